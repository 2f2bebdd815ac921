create or replace view analytics.clients_by_category as
select cc.company_id,
       cc.id as category_id,
       cc.title as category,
       cc.color as category_color,
       c.id as client_id,
       c.name as client_name,
       c.surname as client_surname,
       c.phone,
       c.email,
       c.card,
       c.visits,
       c.spent,
       c.last_change_date
from yclients.client_category_links l
join yclients.client_categories cc on cc.company_id = l.company_id and cc.id = l.category_id
join yclients.clients c on c.company_id = l.company_id and c.id = l.client_id
where cc.deleted_at is null and c.deleted_at is null and not c.is_stub;

comment on view analytics.clients_by_category is 'One row per live client and live category it carries: where category = ''VIP''.';
