create or replace function yclients_sync.merge_records(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of records ({id, datetime, create_date, last_change_date, seance_length_seconds,
--   attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, deleted, visit_id,
--   staff_id, staff: {id, name, specialization, position_id, position_title}, client_id,
--   client: {id, name, surname, phone, email}, services: [{id, title, cost, first_cost, discount, amount,
--   cost_per_unit, manual_cost}], raw}) into yclients.records, and replace the record_services lines of
--   changed records (line_no = position in the list). Unknown staff, positions, clients and services become
--   stubs built from the embedded objects. `deleted: true` sets deleted_at (kept if set), a live row clears it.
-- Inputs: company, run id, the page, optional checkpoint (records: the date window in cursor) and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row, lines included.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
  v_changed bigint[];
  v_gone tid[];
begin
  -- stub positions named by embedded staff objects
  insert into yclients.positions as t (company_id, id, title, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'staff' -> 'position_id'))
         p_company_id, yclients_sync.json_id(r -> 'staff' -> 'position_id'),
         yclients_sync.json_text(r -> 'staff' -> 'position_title'),
         jsonb_build_object('id', r -> 'staff' -> 'position_id', 'title', r -> 'staff' -> 'position_title'), true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'staff' -> 'position_id') is not null
  on conflict (company_id, id) do nothing;
  -- stub staff from the embedded staff object (or just the id)
  insert into yclients.staff as t (company_id, id, name, specialization, position_id, raw, is_stub)
  select distinct on (s.id) p_company_id, s.id, yclients_sync.json_text(s.o -> 'name'),
         yclients_sync.json_text(s.o -> 'specialization'), yclients_sync.json_id(s.o -> 'position_id'),
         coalesce(s.o, jsonb_build_object('id', s.id)), true
  from (
    select coalesce(yclients_sync.json_id(r -> 'staff_id'), yclients_sync.json_id(r -> 'staff' -> 'id')) as id,
           yclients_sync.json_object(r -> 'staff') as o
    from jsonb_array_elements(v_page) as r
  ) s
  where s.id is not null
  order by s.id, (s.o is null)
  on conflict (company_id, id) do nothing;
  -- stub clients from the embedded client object (or just the id)
  insert into yclients.clients as t (company_id, id, name, surname, phone, email, raw, is_stub)
  select distinct on (c.id) p_company_id, c.id, yclients_sync.json_text(c.o -> 'name'),
         yclients_sync.json_text(c.o -> 'surname'), yclients_sync.json_text(c.o -> 'phone'),
         yclients_sync.json_text(c.o -> 'email'), coalesce(c.o, jsonb_build_object('id', c.id)), true
  from (
    select coalesce(yclients_sync.json_id(r -> 'client_id'), yclients_sync.json_id(r -> 'client' -> 'id')) as id,
           yclients_sync.json_object(r -> 'client') as o
    from jsonb_array_elements(v_page) as r
  ) c
  where c.id is not null
  order by c.id, (c.o is null)
  on conflict (company_id, id) do nothing;
  -- stub services from the record's service lines
  insert into yclients.services as t (company_id, id, title, raw, is_stub)
  select distinct on (yclients_sync.json_id(s -> 'id')) p_company_id, yclients_sync.json_id(s -> 'id'),
         yclients_sync.json_text(s -> 'title'), jsonb_build_object('id', s -> 'id', 'title', s -> 'title'), true
  from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'services')) as s
  where yclients_sync.json_id(s -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones updated, the rest untouched; the deleted flag drives deleted_at
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_timestamptz(r -> 'datetime') as datetime,
           yclients_sync.json_timestamptz(r -> 'create_date') as create_date,
           yclients_sync.json_timestamptz(r -> 'last_change_date') as last_change_date,
           yclients_sync.json_int(coalesce(r -> 'seance_length_seconds', r -> 'seance_length')) as seance_length,
           yclients_sync.json_int(r -> 'attendance') as attendance,
           yclients_sync.json_int(r -> 'visit_attendance') as visit_attendance,
           yclients_sync.json_bool(r -> 'confirmed') as confirmed,
           yclients_sync.json_bool(r -> 'paid_full') as paid_full,
           yclients_sync.json_text(r -> 'payment_status') as payment_status,
           yclients_sync.json_bool(r -> 'online') as online,
           yclients_sync.json_text(r -> 'comment') as comment,
           yclients_sync.json_id(r -> 'visit_id') as visit_id,
           coalesce(yclients_sync.json_id(r -> 'staff_id'), yclients_sync.json_id(r -> 'staff' -> 'id')) as staff_id,
           coalesce(yclients_sync.json_id(r -> 'client_id'), yclients_sync.json_id(r -> 'client' -> 'id')) as client_id,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw,
           case when coalesce(yclients_sync.json_bool(r -> 'deleted'), false) then now() end as deleted_at
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.records as t (company_id, id, datetime, create_date, last_change_date, seance_length,
      attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, visit_id, staff_id,
      client_id, raw, synced_at, deleted_at, is_stub)
    select company_id, id, datetime, create_date, last_change_date, seance_length,
      attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, visit_id, staff_id,
      client_id, raw, now(), deleted_at, false from src
    on conflict (company_id, id) do update set
      datetime = excluded.datetime, create_date = excluded.create_date,
      last_change_date = excluded.last_change_date, seance_length = excluded.seance_length,
      attendance = excluded.attendance, visit_attendance = excluded.visit_attendance,
      confirmed = excluded.confirmed, paid_full = excluded.paid_full, payment_status = excluded.payment_status,
      online = excluded.online, comment = excluded.comment, visit_id = excluded.visit_id,
      staff_id = excluded.staff_id, client_id = excluded.client_id, raw = excluded.raw,
      synced_at = excluded.synced_at, is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
    where (t.datetime, t.create_date, t.last_change_date, t.seance_length, t.attendance, t.visit_attendance,
           t.confirmed, t.paid_full, t.payment_status, t.online, t.comment, t.visit_id, t.staff_id, t.client_id,
           t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.datetime, excluded.create_date, excluded.last_change_date,
           excluded.seance_length, excluded.attendance, excluded.visit_attendance, excluded.confirmed,
           excluded.paid_full, excluded.payment_status, excluded.online, excluded.comment, excluded.visit_id,
           excluded.staff_id, excluded.client_id, excluded.raw, excluded.deleted_at is null, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new),
         count(*) filter (where not u.is_new and not (u.deleted_at is not null and p.deleted_at is null)),
         count(*) filter (where not u.is_new and u.deleted_at is not null and p.deleted_at is null),
         coalesce(array_agg(u.id), '{}')
  into v_ins, v_upd, v_del, v_changed
  from up u
  -- deleted_at before this statement (same snapshot), needed only for updated rows now flagged deleted: one
  -- primary-key probe each (LATERAL … OFFSET 0 stays a per-row lookup, never a join over the company)
  left join lateral (
    select t.deleted_at from yclients.records t
    where not u.is_new and u.deleted_at is not null and t.company_id = p_company_id and t.id = u.id
    offset 0
  ) p on true;
  -- lines: record_services of the changed records becomes exactly upstream's list (others untouched)
  if cardinality(v_changed) > 0 then
    with chg as (
      select yclients_sync.json_id(r -> 'id') as record_id, yclients_sync.json_array(r -> 'services') as services
      from jsonb_array_elements(v_page) as r
      where yclients_sync.json_id(r -> 'id') = any (v_changed)
    ), want as (
      select c.record_id, x.n::integer as line_no,
             yclients_sync.json_id(s -> 'id') as service_id,
             yclients_sync.json_text(s -> 'title') as title,
             yclients_sync.json_numeric(s -> 'cost') as cost,
             yclients_sync.json_numeric(s -> 'first_cost') as first_cost,
             yclients_sync.json_numeric(s -> 'discount') as discount,
             yclients_sync.json_numeric(s -> 'amount') as amount,
             yclients_sync.json_numeric(s -> 'cost_per_unit') as cost_per_unit,
             yclients_sync.json_numeric(s -> 'manual_cost') as manual_cost
      from chg c, jsonb_array_elements(c.services) with ordinality as x(s, n)
      where jsonb_typeof(s) = 'object'
    ), landed as (
      insert into yclients.record_services as l (company_id, record_id, line_no, service_id, title, cost, first_cost,
        discount, amount, cost_per_unit, manual_cost)
      select p_company_id, record_id, line_no, service_id, title, cost, first_cost, discount, amount,
        cost_per_unit, manual_cost
      from want
      on conflict (company_id, record_id, line_no) do update set
        service_id = excluded.service_id, title = excluded.title, cost = excluded.cost,
        first_cost = excluded.first_cost, discount = excluded.discount, amount = excluded.amount,
        cost_per_unit = excluded.cost_per_unit, manual_cost = excluded.manual_cost
      where (l.service_id, l.title, l.cost, l.first_cost, l.discount, l.amount, l.cost_per_unit, l.manual_cost)
        is distinct from (excluded.service_id, excluded.title, excluded.cost, excluded.first_cost,
             excluded.discount, excluded.amount, excluded.cost_per_unit, excluded.manual_cost)
    )
    -- the stored lines of each changed record (one primary-key probe per record: LATERAL … OFFSET 0 is never
    -- a join over the company's whole range; ORDER BY line_no makes the key the cheapest path even while the
    -- table is too small for estimates to tell its indexes apart) that upstream no longer lists: line n is
    -- wanted when element n of the record's services is an object
    select coalesce(array_agg(x.ctid), '{}') into v_gone
    from chg c
    cross join lateral (
      select l.ctid, l.line_no from yclients.record_services l
      where l.company_id = p_company_id and l.record_id = c.record_id
      order by l.line_no offset 0
    ) x
    where x.line_no < 1 or jsonb_typeof(c.services -> (x.line_no - 1)) is distinct from 'object';
    -- the lines upstream no longer lists are deleted by row address, in a statement planned for this call
    -- (EXECUTE), so a plan cached while the table was small cannot turn it into a sequential scan
    if cardinality(v_gone) > 0 then
      execute 'delete from yclients.record_services where ctid = any ($1)' using v_gone;
    end if;
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'records', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;
