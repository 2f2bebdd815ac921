create or replace function yclients_sync.merge_service_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of service categories into yclients.service_categories.
-- Inputs: company, run id, the page (the SDK's ServiceCategory rows), optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row.
-- Skeleton: src → chg → up in one statement, then finish_merge (see merge_positions).
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (id bigint, title text, weight integer, api_id text, raw jsonb))
      with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.service_categories t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.title, t.weight, t.api_id, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.title, u.weight, u.api_id, coalesce(u.raw, '{}'), true, false)
  ), up as (
    insert into yclients.service_categories as t (company_id, id, title, weight, api_id, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.title, s.weight, s.api_id, coalesce(s.raw, '{}'), now(), null, false from chg s
    on conflict (company_id, id) do update set
      title = excluded.title, weight = excluded.weight, api_id = excluded.api_id, raw = excluded.raw,
      synced_at = excluded.synced_at, deleted_at = null, is_stub = false
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new)
  into v_ids, v_ins, v_upd
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'service_categories', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
