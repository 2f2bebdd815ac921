create or replace function yclients_sync.merge_transactions(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of financial transactions into yclients.financial_transactions. Expense
--   categories are upserted from the embedded expense (the only source upstream; kept when their
--   transactions go, the last row of the page wins); unknown accounts, clients, masters and records become
--   stubs.
-- Inputs: company, run id, the page (the SDK's Transaction rows with their embedded expense, account,
--   client, master and supplier), optional checkpoint and refresh id (reconcile a date window with
--   finish_refresh(…, p_from, p_to)).
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
    select p.*, e.id as expense_id, e.title as expense_title, e.type as expense_type, a.id as account_id,
           a.title as account_title, a.is_cash as account_is_cash, c.id as client_id, c.name as client_name,
           c.phone as client_phone, m.id as master_id, m.title as master_title, sp.id as supplier_id
    from (
      select distinct on (r.id) r.*
      from rows from (jsonb_to_recordset(p_rows) as (
        id bigint, date timestamptz, amount numeric, comment text, document_id bigint,
        last_change_date timestamptz, record_id bigint, visit_id bigint, sold_item_id bigint,
        sold_item_type text, expense jsonb, account jsonb, client jsonb, master jsonb, supplier jsonb,
        raw jsonb)) with ordinality as r
      where r.id is not null
      order by r.id, r.ordinality desc
    ) p
    left join lateral jsonb_to_record(p.expense) as e(id bigint, title text, type integer) on true
    left join lateral jsonb_to_record(p.account) as a(id bigint, title text, is_cash boolean) on true
    left join lateral jsonb_to_record(p.client) as c(id bigint, name text, phone text) on true
    left join lateral jsonb_to_record(p.master) as m(id bigint, title text) on true
    left join lateral jsonb_to_record(p.supplier) as sp(id bigint, title text) on true
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.financial_transactions t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.date, t.amount, t.comment, t.expense_category_id, t.account_id, t.client_id, t.record_id,
           t.master_id, t.supplier_id, t.document_id, t.visit_id, t.sold_item_type, t.sold_item_id,
           t.last_change_date, t.raw, t.deleted_at is null)
          is distinct from (u.date, u.amount, u.comment, u.expense_id, u.account_id, u.client_id, u.record_id,
           u.master_id, u.supplier_id, u.document_id, u.visit_id, u.sold_item_type, u.sold_item_id,
           u.last_change_date, coalesce(u.raw, '{}'), true)
  ), expense_categories as (
    insert into yclients.expense_categories as t (company_id, id, title, type, raw, synced_at, deleted_at, is_stub)
    select distinct on (s.expense_id) p_company_id, s.expense_id, s.expense_title, s.expense_type, s.expense,
           now(), null, false
    from src s
    where s.expense_id is not null
    order by s.expense_id, s.ordinality desc
    on conflict (company_id, id) do update set
      title = excluded.title, type = excluded.type, raw = excluded.raw, synced_at = excluded.synced_at,
      deleted_at = null, is_stub = false
    where (t.title, t.type, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.type, excluded.raw, true, false)
  ), stub_accounts as (
    insert into yclients.accounts as t (company_id, id, title, is_cash, raw, is_stub)
    select distinct on (s.account_id) p_company_id, s.account_id, s.account_title, s.account_is_cash, s.account,
           true
    from chg s
    where s.account_id is not null
    on conflict (company_id, id) do nothing
  ), stub_clients as (
    insert into yclients.clients as t (company_id, id, name, phone, raw, is_stub)
    select distinct on (s.client_id) p_company_id, s.client_id, s.client_name, s.client_phone, s.client, true
    from chg s
    where s.client_id is not null
    on conflict (company_id, id) do nothing
  ), stub_staff as (
    insert into yclients.staff as t (company_id, id, name, raw, is_stub)
    select distinct on (s.master_id) p_company_id, s.master_id, s.master_title, s.master, true
    from chg s
    where s.master_id is not null
    on conflict (company_id, id) do nothing
  ), stub_records as (
    -- records not known yet (e.g. outside the synced records window)
    insert into yclients.records as t (company_id, id, raw, is_stub)
    select p_company_id, d.id, jsonb_build_object('id', d.id), true
    from (select distinct s.record_id as id from chg s where s.record_id is not null) d
    on conflict (company_id, id) do nothing
  ), up as (
    insert into yclients.financial_transactions as t (company_id, id, date, amount, comment, expense_category_id,
      account_id, client_id, record_id, master_id, supplier_id, document_id, visit_id, sold_item_type,
      sold_item_id, last_change_date, raw, synced_at, deleted_at)
    select p_company_id, s.id, s.date, s.amount, s.comment, s.expense_id, s.account_id, s.client_id, s.record_id,
      s.master_id, s.supplier_id, s.document_id, s.visit_id, s.sold_item_type, s.sold_item_id,
      s.last_change_date, coalesce(s.raw, '{}'), now(), null
    from chg s
    on conflict (company_id, id) do update set
      date = excluded.date, amount = excluded.amount, comment = excluded.comment,
      expense_category_id = excluded.expense_category_id, account_id = excluded.account_id,
      client_id = excluded.client_id, record_id = excluded.record_id, master_id = excluded.master_id,
      supplier_id = excluded.supplier_id, document_id = excluded.document_id, visit_id = excluded.visit_id,
      sold_item_type = excluded.sold_item_type, sold_item_id = excluded.sold_item_id,
      last_change_date = excluded.last_change_date, raw = excluded.raw, synced_at = excluded.synced_at,
      deleted_at = null
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new)
  into v_ids, v_ins, v_upd
  from chg k;
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'transactions', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
