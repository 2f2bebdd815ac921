create or replace view analytics.clients_by_staff as
select r.company_id,
       r.staff_id,
       s.name as staff_name,
       r.client_id,
       c.name as client_name,
       c.phone as client_phone,
       count(*) as visits,
       min(r.datetime) as first_visit,
       max(r.datetime) as last_visit,
       coalesce(sum(l.cost), 0) as amount
from yclients.records r
join yclients.staff s on s.company_id = r.company_id and s.id = r.staff_id
join yclients.clients c on c.company_id = r.company_id and c.id = r.client_id
left join lateral (
  select sum(rs.cost) as cost
  from yclients.record_services rs
  where rs.company_id = r.company_id and rs.record_id = r.id
) l on true
where r.deleted_at is null and not r.is_stub and r.attendance = 1
group by r.company_id, r.staff_id, s.name, r.client_id, c.name, c.phone;

comment on view analytics.clients_by_staff is 'Who served whom: attended visits (attendance = 1) of live records per staff and client, first/last visit, amount = sum of the services'' cost. Staff and clients show even when deleted or known only from records.';
