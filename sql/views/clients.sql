create or replace view analytics.clients as
select c.company_id,
       c.id as client_id,
       c.name,
       c.surname,
       c.patronymic,
       c.phone,
       c.email,
       c.card,
       c.birth_date,
       c.sex,
       c.discount,
       c.balance,
       c.importance,
       c.spent,
       c.visits,
       c.comment,
       c.sms_check,
       c.sms_bot,
       c.sms_not,
       c.custom_fields,
       coalesce(k.titles, '{}'::text[]) as categories,
       coalesce(k.ids, '{}'::bigint[]) as category_ids,
       c.last_change_date,
       c.synced_at
from yclients.clients c
left join lateral (
  select array_agg(cc.title order by cc.title, cc.id) as titles, array_agg(cc.id order by cc.title, cc.id) as ids
  from yclients.client_category_links l
  join yclients.client_categories cc on cc.company_id = l.company_id and cc.id = l.category_id
  where l.company_id = c.company_id and l.client_id = c.id and cc.deleted_at is null
) k on true
where c.deleted_at is null and not c.is_stub;

comment on view analytics.clients is 'Live clients with their categories (titles sorted, ids in the same order).';
