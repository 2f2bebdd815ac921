create or replace function yclients_sync.merge_records(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of records into yclients.records, and make the record_services lines of changed
--   records exactly upstream's list (line_no = position in the list). Unknown staff, positions, clients and
--   services become stubs built from the embedded objects. `deleted: true` sets deleted_at (kept if set), a
--   live row clears it.
-- Inputs: company, run id, the page (the SDK's YcRecord rows with their embedded staff, client and service
--   lines), optional checkpoint (records: the date window in cursor) and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row, lines included.
-- Skeleton: src → chg → up in one statement, then finish_merge (see merge_positions); the lines upstream
--   no longer lists go by delete_by_ctid.
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
  v_del integer;
  v_gone tid[];
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (
      id bigint, datetime timestamptz, create_date timestamptz, last_change_date timestamptz,
      seance_length_seconds integer, attendance integer, visit_attendance integer, confirmed boolean,
      paid_full boolean, payment_status text, online boolean, comment text, deleted boolean, visit_id bigint,
      staff_id bigint, staff jsonb, client_id bigint, client jsonb, services jsonb, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new,
           coalesce(u.deleted, false) and t.id is not null and t.deleted_at is null as newly_deleted
    from src u
    left join lateral (
      select * from yclients.records t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.datetime, t.create_date, t.last_change_date, t.seance_length, t.attendance, t.visit_attendance,
           t.confirmed, t.paid_full, t.payment_status, t.online, t.comment, t.visit_id, t.staff_id, t.client_id,
           t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.datetime, u.create_date, u.last_change_date, u.seance_length_seconds, u.attendance,
           u.visit_attendance, u.confirmed, u.paid_full, u.payment_status, u.online, u.comment, u.visit_id,
           u.staff_id, u.client_id, coalesce(u.raw, '{}'), not coalesce(u.deleted, false), false)
  ), masters as materialized (
    -- the master of each changed record, with what the record embeds about them (an unchanged record's
    -- parents are stored: its foreign keys hold)
    select s.staff_id as id, s.staff as o, m.name, m.specialization, m.position_id, m.position_title
    from chg s
    left join lateral jsonb_to_record(s.staff) as m(
      id bigint, name text, specialization text, position_id bigint, position_title text) on true
    where s.staff_id is not null
  ), lines as materialized (
    -- the service lines of each changed record, numbered by their position in the list
    select s.id as record_id, l.ordinality::integer as line_no, l.id as service_id, l.title, l.cost, l.first_cost,
           l.discount, l.amount, l.cost_per_unit, l.manual_cost
    from chg s, rows from (jsonb_to_recordset(s.services) as (
      id bigint, title text, cost numeric, first_cost numeric, discount numeric, amount numeric,
      cost_per_unit numeric, manual_cost numeric)) with ordinality as l
  ), stub_positions as (
    insert into yclients.positions as t (company_id, id, title, raw, is_stub)
    select p_company_id, d.id, d.title, jsonb_build_object('id', d.id, 'title', d.title), true
    from (select distinct on (m.position_id) m.position_id as id, m.position_title as title
          from masters m where m.position_id is not null) d
    on conflict (company_id, id) do nothing
  ), stub_staff as (
    insert into yclients.staff as t (company_id, id, name, specialization, position_id, raw, is_stub)
    select distinct on (m.id) p_company_id, m.id, m.name, m.specialization, m.position_id,
           coalesce(m.o, jsonb_build_object('id', m.id)), true
    from masters m
    order by m.id, (m.o is null)
    on conflict (company_id, id) do nothing
  ), stub_clients as (
    insert into yclients.clients as t (company_id, id, name, surname, phone, email, raw, is_stub)
    select distinct on (s.client_id) p_company_id, s.client_id, cl.name, cl.surname, cl.phone, cl.email,
           coalesce(s.client, jsonb_build_object('id', s.client_id)), true
    from chg s
    left join lateral jsonb_to_record(s.client) as cl(id bigint, name text, surname text, phone text, email text)
      on true
    where s.client_id is not null
    order by s.client_id, (s.client is null)
    on conflict (company_id, id) do nothing
  ), stub_services as (
    insert into yclients.services as t (company_id, id, title, raw, is_stub)
    select p_company_id, d.id, d.title, jsonb_build_object('id', d.id, 'title', d.title), true
    from (select distinct on (l.service_id) l.service_id as id, l.title from lines l where l.service_id is not null) d
    on conflict (company_id, id) do nothing
  ), up as (
    -- the deleted flag drives deleted_at (kept when already set)
    insert into yclients.records as t (company_id, id, datetime, create_date, last_change_date, seance_length,
      attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, visit_id, staff_id,
      client_id, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.datetime, s.create_date, s.last_change_date, s.seance_length_seconds,
      s.attendance, s.visit_attendance, s.confirmed, s.paid_full, s.payment_status, s.online, s.comment,
      s.visit_id, s.staff_id, s.client_id, coalesce(s.raw, '{}'), now(), case when s.deleted then now() end,
      false
    from chg s
    on conflict (company_id, id) do update set
      datetime = excluded.datetime, create_date = excluded.create_date,
      last_change_date = excluded.last_change_date, seance_length = excluded.seance_length,
      attendance = excluded.attendance, visit_attendance = excluded.visit_attendance,
      confirmed = excluded.confirmed, paid_full = excluded.paid_full, payment_status = excluded.payment_status,
      online = excluded.online, comment = excluded.comment, visit_id = excluded.visit_id,
      staff_id = excluded.staff_id, client_id = excluded.client_id, raw = excluded.raw,
      synced_at = excluded.synced_at, is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
  ), landed as (
    -- lines of the changed records: upstream's list (lines of unchanged records are untouched)
    insert into yclients.record_services as l (company_id, record_id, line_no, service_id, title, cost, first_cost,
      discount, amount, cost_per_unit, manual_cost)
    select p_company_id, w.record_id, w.line_no, w.service_id, w.title, w.cost, w.first_cost, w.discount, w.amount,
      w.cost_per_unit, w.manual_cost
    from lines w
    on conflict (company_id, record_id, line_no) do update set
      service_id = excluded.service_id, title = excluded.title, cost = excluded.cost,
      first_cost = excluded.first_cost, discount = excluded.discount, amount = excluded.amount,
      cost_per_unit = excluded.cost_per_unit, manual_cost = excluded.manual_cost
    where (l.service_id, l.title, l.cost, l.first_cost, l.discount, l.amount, l.cost_per_unit, l.manual_cost)
      is distinct from (excluded.service_id, excluded.title, excluded.cost, excluded.first_cost,
           excluded.discount, excluded.amount, excluded.cost_per_unit, excluded.manual_cost)
  ), updated as materialized (
    select y.id as record_id, coalesce(jsonb_array_length(y.services), 0) as lines from chg y where not y.is_new
  ), gone as (
    -- the stored lines of each updated record (a new one has none) past the end of upstream's list: one
    -- primary-key probe per record (LATERAL … OFFSET 0 is never a join over the company's whole range;
    -- ORDER BY line_no makes the key the cheapest path even while the table is too small for estimates to
    -- tell its indexes apart)
    select x.ctid
    from updated c
    cross join lateral (
      select l.ctid, l.line_no from yclients.record_services l
      where l.company_id = p_company_id and l.record_id = c.record_id
      order by l.line_no offset 0
    ) x
    where x.line_no > c.lines
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new and not k.newly_deleted), count(*) filter (where k.newly_deleted),
         (select array_agg(g.ctid) from gone g)
  into v_ids, v_ins, v_upd, v_del, v_gone
  from chg k;
  perform yclients_sync.delete_by_ctid('yclients.record_services', v_gone);
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'records', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd - v_del, v_del, p_state,
    p_refresh_id);
end
$$;
