create or replace function yclients_sync.merge_positions(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of positions into yclients.positions.
-- Inputs: company, run id (counters), the page: a jsonb array of the SDK's Position rows, optional
--   checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row (all unchanged).
-- The skeleton every merge_<entity> shares, in one statement:
--   src  the page read once, by the column list that states the row format (the SDK's row type:
--        sql/test/row-format.test.ts holds them together); rows without an id dropped, one row per id (the
--        last wins). No value is coerced here: the SDK did that, and a value of the wrong type is a data
--        exception (class 22) that the sync quarantines.
--   chg  the rows that are new or differ from the stored row (one primary-key probe each, LATERAL … OFFSET 0:
--        never a join over the company, whatever the plan cache holds); the others are unchanged and never
--        touched, not even locked.
--   up   chg upserted; where the entity has them, stubs for the parents the changed rows name (an
--        unchanged row's parents are stored: its foreign keys hold) and the links of the changed rows.
-- then finish_merge: checkpoint, seen ids and run counters in the same transaction, and the counts.
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (id bigint, title text, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.positions t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.title, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.title, coalesce(u.raw, '{}'), true, false)
  ), up as (
    insert into yclients.positions as t (company_id, id, title, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.title, coalesce(s.raw, '{}'), now(), null, false from chg s
    on conflict (company_id, id) do update set
      title = excluded.title, raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new)
  into v_ids, v_ins, v_upd
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'positions', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
