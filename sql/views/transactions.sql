create or replace view analytics.transactions as
select t.company_id,
       t.id as transaction_id,
       t.date,
       t.amount,
       t.comment,
       t.account_id,
       a.title as account_title,
       a.is_cash,
       t.expense_category_id,
       e.title as expense_category,
       t.client_id,
       c.name as client_name,
       t.master_id,
       s.name as master_name,
       t.record_id,
       t.visit_id,
       t.document_id,
       t.sold_item_type,
       t.sold_item_id,
       t.last_change_date,
       t.synced_at
from yclients.financial_transactions t
left join yclients.accounts a on a.company_id = t.company_id and a.id = t.account_id
left join yclients.expense_categories e on e.company_id = t.company_id and e.id = t.expense_category_id
left join yclients.clients c on c.company_id = t.company_id and c.id = t.client_id
left join yclients.staff s on s.company_id = t.company_id and s.id = t.master_id
where t.deleted_at is null;

comment on view analytics.transactions is 'Live financial transactions with account (is_cash), expense category, client and master names.';
