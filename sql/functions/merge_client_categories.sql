create or replace function yclients_sync.merge_client_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of client labels into yclients.client_categories; `deleted: true` sets
--   deleted_at (kept if already set), a live row clears it.
-- Inputs: company, run id, the page (the SDK's ClientLabel rows), optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row.
-- Skeleton: src → chg → up in one statement, then finish_merge (see merge_positions).
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
  v_del integer;
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (id bigint, title text, color text, deleted boolean, raw jsonb))
      with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new,
           coalesce(u.deleted, false) and t.id is not null and t.deleted_at is null as newly_deleted
    from src u
    left join lateral (
      select * from yclients.client_categories t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.title, t.color, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.title, u.color, coalesce(u.raw, '{}'), not coalesce(u.deleted, false), false)
  ), up as (
    -- the deleted flag drives deleted_at (kept when already set)
    insert into yclients.client_categories as t (company_id, id, title, color, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.title, s.color, coalesce(s.raw, '{}'), now(), case when s.deleted then now() end,
      false
    from chg s
    on conflict (company_id, id) do update set
      title = excluded.title, color = excluded.color, raw = excluded.raw, synced_at = excluded.synced_at,
      is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new and not k.newly_deleted), count(*) filter (where k.newly_deleted)
  into v_ids, v_ins, v_upd, v_del
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'client_categories', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd - v_del, v_del, p_state,
    p_refresh_id);
end
$$;
