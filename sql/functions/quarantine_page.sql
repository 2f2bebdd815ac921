create or replace function yclients_sync.quarantine_page(
  p_company_id bigint,
  p_run_id bigint,
  p_entity text,
  p_refresh_id bigint,
  p_rejected jsonb,
  p_clean_ids bigint[],
  p_repaired integer
) returns integer
language plpgsql as $$
-- Purpose: the part of a page no database can store, beside the merge of the rest (design.md §9): the
--   rejected rows land in yclients_sync.quarantine (one row per upstream row: first and last seen, runs,
--   reason, the row as text), rows that now arrive clean leave it, and the run log counts both the
--   quarantined rows and the characters the SDK repaired (U+0000 dropped, lone surrogates replaced).
--   A rejected row that has an id still counts as seen by the refresh, so a row that upstream has but
--   we cannot store is never soft-deleted, and a records window's distinct-id count stays complete.
-- Inputs: p_rejected is a jsonb array of {id: bigint|null, reason: text, row: text} (the SDK's
--   RejectedRow); p_clean_ids the ids of the page's rows that were merged.
-- Returns: the number of rows quarantined by this call.
declare
  v_count integer := 0;
begin
  if cardinality(p_clean_ids) > 0 then
    delete from yclients_sync.quarantine q
    where q.company_id = p_company_id and q.entity = p_entity and q.upstream_id = any(p_clean_ids);
  end if;
  if jsonb_array_length(p_rejected) > 0 then
    with rejected as (
      -- one row per key: a page may repeat a bad row
      select distinct on (k.row_key) k.*
      from (select coalesce(r.id::text, 'row:' || md5(r."row")) as row_key, r.id, r.reason, r."row"
            from jsonb_to_recordset(p_rejected) as r(id bigint, reason text, "row" text)) k
      order by k.row_key
    ), landed as (
      insert into yclients_sync.quarantine as q
        (company_id, entity, row_key, upstream_id, reason, row_text, first_run_id, last_run_id)
      select p_company_id, p_entity, r.row_key, r.id, r.reason, r."row", p_run_id, p_run_id from rejected r
      on conflict (company_id, entity, row_key) do update set
        reason = excluded.reason,
        row_text = excluded.row_text,
        last_seen_at = now(),
        last_run_id = excluded.last_run_id,
        times_seen = q.times_seen + 1
      returning 1
    )
    select count(*)::integer into v_count from landed;
    perform yclients_sync.remember_seen(p_company_id, p_entity, p_refresh_id,
      array(select (r ->> 'id')::bigint from jsonb_array_elements(p_rejected) as r where r ->> 'id' is not null));
  end if;
  if p_run_id is not null and (v_count > 0 or p_repaired > 0) then
    insert into yclients_sync.sync_run_entities as e (run_id, company_id, entity, quarantined, repaired)
    values (p_run_id, p_company_id, p_entity, v_count, p_repaired)
    on conflict (run_id, company_id, entity) do update set
      quarantined = e.quarantined + excluded.quarantined,
      repaired = e.repaired + excluded.repaired;
  end if;
  return v_count;
end
$$;
