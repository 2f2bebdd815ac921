create or replace function yclients_sync.merge_services(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of services into yclients.services, and make the service_staff rows of changed
--   services exactly what upstream lists (one row per master: the last wins); unknown categories and
--   masters become stubs.
-- Inputs: company, run id, the page (the SDK's Service rows with their staff lists), optional checkpoint and
--   refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row, links included.
-- Skeleton: src → chg → up in one statement, then finish_merge (see merge_positions); the links upstream
--   no longer lists go by delete_by_ctid.
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
  v_gone tid[];
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (
      id bigint, category_id bigint, title text, price_min numeric, price_max numeric, duration_seconds integer,
      active boolean, weight integer, comment text, api_id text, staff jsonb, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.services t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.category_id, t.title, t.price_min, t.price_max, t.duration_seconds, t.active, t.weight, t.comment,
           t.api_id, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.category_id, u.title, u.price_min, u.price_max, u.duration_seconds, u.active,
           u.weight, u.comment, u.api_id, coalesce(u.raw, '{}'), true, false)
  ), lnk as materialized (
    -- the masters each changed service lists (an unchanged service's are stored: foreign keys hold)
    select s.id as service_id, m.staff_id, m.seance_length_seconds, m.price, m.ordinality
    from chg s, rows from (jsonb_to_recordset(s.staff) as (
      staff_id bigint, seance_length_seconds integer, price numeric)) with ordinality as m
    where m.staff_id is not null
  ), stub_categories as (
    insert into yclients.service_categories as t (company_id, id, raw, is_stub)
    select p_company_id, d.id, jsonb_build_object('id', d.id), true
    from (select distinct s.category_id as id from chg s where s.category_id is not null) d
    on conflict (company_id, id) do nothing
  ), stub_staff as (
    insert into yclients.staff as t (company_id, id, raw, is_stub)
    select p_company_id, d.id, jsonb_build_object('id', d.id), true
    from (select distinct w.staff_id as id from lnk w) d
    on conflict (company_id, id) do nothing
  ), up as (
    insert into yclients.services as t (company_id, id, category_id, title, price_min, price_max, duration_seconds,
      active, weight, comment, api_id, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.category_id, s.title, s.price_min, s.price_max, s.duration_seconds, s.active,
      s.weight, s.comment, s.api_id, coalesce(s.raw, '{}'), now(), null, false
    from chg s
    on conflict (company_id, id) do update set
      category_id = excluded.category_id, title = excluded.title, price_min = excluded.price_min,
      price_max = excluded.price_max, duration_seconds = excluded.duration_seconds, active = excluded.active,
      weight = excluded.weight, comment = excluded.comment, api_id = excluded.api_id, raw = excluded.raw,
      synced_at = excluded.synced_at, deleted_at = null, is_stub = false
  ), landed as (
    -- links of the changed services: what upstream lists (links of unchanged services are untouched)
    insert into yclients.service_staff as l (company_id, service_id, staff_id, seance_length, price)
    select distinct on (w.service_id, w.staff_id) p_company_id, w.service_id, w.staff_id, w.seance_length_seconds,
           w.price
    from lnk w
    order by w.service_id, w.staff_id, w.ordinality desc
    on conflict (company_id, service_id, staff_id) do update set
      seance_length = excluded.seance_length, price = excluded.price
    where (l.seance_length, l.price) is distinct from (excluded.seance_length, excluded.price)
  ), updated as materialized (
    select y.id as service_id from chg y where not y.is_new
  ), gone as (
    -- the stored links of each updated service (a new one has none) whose master upstream no longer lists:
    -- one primary-key probe per service (LATERAL … OFFSET 0 is never a join over the company's whole range)
    select x.ctid
    from updated c
    cross join lateral (
      select l.ctid, l.staff_id from yclients.service_staff l
      where l.company_id = p_company_id and l.service_id = c.service_id
      order by l.staff_id offset 0
    ) x
    where not exists (select 1 from lnk w where w.service_id = c.service_id and w.staff_id = x.staff_id)
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new), (select array_agg(g.ctid) from gone g)
  into v_ids, v_ins, v_upd, v_gone
  from chg k;
  perform yclients_sync.delete_by_ctid('yclients.service_staff', v_gone);
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'services', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
