create or replace function yclients_sync.merge_accounts(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of accounts / cash desks into yclients.accounts.
-- Inputs: company, run id, the page (the SDK's Account rows), optional checkpoint and refresh id.
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
    from rows from (jsonb_to_recordset(p_rows) as (
      id bigint, title text, type integer, is_cash boolean, comment text, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.accounts t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.title, t.type, t.is_cash, t.comment, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.title, u.type, u.is_cash, u.comment, coalesce(u.raw, '{}'), true, false)
  ), up as (
    insert into yclients.accounts as t (company_id, id, title, type, is_cash, comment, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.title, s.type, s.is_cash, s.comment, coalesce(s.raw, '{}'), now(), null, false
    from chg s
    on conflict (company_id, id) do update set
      title = excluded.title, type = excluded.type, is_cash = excluded.is_cash, comment = excluded.comment,
      raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new)
  into v_ids, v_ins, v_upd
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'accounts', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
