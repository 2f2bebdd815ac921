create or replace view analytics.records as
select r.company_id,
       r.id as record_id,
       r.datetime,
       r.seance_length,
       r.attendance,
       case r.attendance when 2 then 'confirmed' when 1 then 'came' when 0 then 'waiting' when -1 then 'no_show' end
         as attendance_status,
       r.confirmed,
       r.paid_full,
       r.payment_status,
       r.online,
       r.comment,
       r.visit_id,
       r.staff_id,
       s.name as staff_name,
       r.client_id,
       c.name as client_name,
       c.phone as client_phone,
       coalesce(l.titles, '{}'::text[]) as services,
       coalesce(l.ids, '{}'::bigint[]) as service_ids,
       coalesce(l.cost, 0) as cost,
       r.create_date,
       r.last_change_date,
       r.synced_at
from yclients.records r
left join yclients.staff s on s.company_id = r.company_id and s.id = r.staff_id
left join yclients.clients c on c.company_id = r.company_id and c.id = r.client_id
left join lateral (
  select array_agg(coalesce(rs.title, sv.title) order by rs.line_no) as titles,
         array_agg(rs.service_id order by rs.line_no) as ids,
         sum(rs.cost) as cost
  from yclients.record_services rs
  left join yclients.services sv on sv.company_id = rs.company_id and sv.id = rs.service_id
  where rs.company_id = r.company_id and rs.record_id = r.id
) l on true
where r.deleted_at is null and not r.is_stub;

comment on view analytics.records is 'Live records with client and staff names, service titles in line order and their total cost.';
