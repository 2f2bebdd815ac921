create or replace function yclients_sync.merge_staff(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of staff into yclients.staff; unknown positions become stubs titled from the
--   staff row; `deleted: true` sets deleted_at (kept if already set), a live row clears it.
-- Inputs: company, run id, the page (the SDK's Staff rows), optional checkpoint and refresh id.
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
    from rows from (jsonb_to_recordset(p_rows) as (
      id bigint, name text, specialization text, position_id bigint, position_title text, fired boolean,
      hidden boolean, deleted boolean, user_id bigint, weight integer, api_id text, dismissal_date date,
      avatar text, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new,
           coalesce(u.deleted, false) and t.id is not null and t.deleted_at is null as newly_deleted
    from src u
    left join lateral (
      select * from yclients.staff t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.name, t.specialization, t.position_id, t.fired, t.hidden, t.user_id, t.weight, t.api_id,
           t.dismissal_date, t.avatar, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.name, u.specialization, u.position_id, u.fired, u.hidden, u.user_id, u.weight,
           u.api_id, u.dismissal_date, u.avatar, coalesce(u.raw, '{}'), not coalesce(u.deleted, false), false)
  ), stub_positions as (
    -- positions not known yet, titled from the staff row
    insert into yclients.positions as t (company_id, id, title, raw, is_stub)
    select p_company_id, d.id, d.title, jsonb_build_object('id', d.id, 'title', d.title), true
    from (select distinct on (s.position_id) s.position_id as id, s.position_title as title
          from chg s where s.position_id is not null) d
    on conflict (company_id, id) do nothing
  ), up as (
    -- the deleted flag drives deleted_at (kept when already set)
    insert into yclients.staff as t (company_id, id, name, specialization, position_id, fired, hidden, user_id,
      weight, api_id, dismissal_date, avatar, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.name, s.specialization, s.position_id, s.fired, s.hidden, s.user_id, s.weight,
      s.api_id, s.dismissal_date, s.avatar, coalesce(s.raw, '{}'), now(), case when s.deleted then now() end,
      false
    from chg s
    on conflict (company_id, id) do update set
      name = excluded.name, specialization = excluded.specialization, position_id = excluded.position_id,
      fired = excluded.fired, hidden = excluded.hidden, user_id = excluded.user_id, weight = excluded.weight,
      api_id = excluded.api_id, dismissal_date = excluded.dismissal_date, avatar = excluded.avatar,
      raw = excluded.raw, synced_at = excluded.synced_at, is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new and not k.newly_deleted), count(*) filter (where k.newly_deleted)
  into v_ids, v_ins, v_upd, v_del
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'staff', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd - v_del, v_del, p_state,
    p_refresh_id);
end
$$;
