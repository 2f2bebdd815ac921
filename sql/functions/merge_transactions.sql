create or replace function yclients_sync.merge_transactions(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of financial transactions ({id, date, amount, comment, document_id, last_change_date,
--   record_id, visit_id, sold_item_id, sold_item_type, expense: {id, title, type}, account: {id, title, is_cash},
--   client: {id, name, phone}, master: {id, title}, supplier: {id, title}, raw}) into
--   yclients.financial_transactions. Expense categories are upserted from the embedded expense (and kept when
--   their transactions go); unknown accounts, clients, masters and records become stubs.
-- Inputs: company, run id, the page, optional checkpoint and refresh id (reconcile a date window with
--   finish_refresh(…, p_from, p_to)).
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- expense categories: upserted from the embedded expense object (the only source upstream)
  insert into yclients.expense_categories as t (company_id, id, title, type, raw, synced_at, deleted_at, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'expense' -> 'id'))
         p_company_id, yclients_sync.json_id(r -> 'expense' -> 'id'), yclients_sync.json_text(r -> 'expense' -> 'title'),
         yclients_sync.json_int(r -> 'expense' -> 'type'), r -> 'expense', now(), null, false
  from jsonb_array_elements(v_page) with ordinality as e(r, n)
  where yclients_sync.json_id(r -> 'expense' -> 'id') is not null
  order by yclients_sync.json_id(r -> 'expense' -> 'id'), e.n desc
  on conflict (company_id, id) do update set
    title = excluded.title, type = excluded.type, raw = excluded.raw, synced_at = excluded.synced_at,
    deleted_at = null, is_stub = false
  where (t.title, t.type, t.raw, t.deleted_at is null, t.is_stub)
    is distinct from (excluded.title, excluded.type, excluded.raw, true, false);
  -- stub accounts from the embedded account object
  insert into yclients.accounts as t (company_id, id, title, is_cash, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'account' -> 'id'))
         p_company_id, yclients_sync.json_id(r -> 'account' -> 'id'), yclients_sync.json_text(r -> 'account' -> 'title'),
         yclients_sync.json_bool(r -> 'account' -> 'is_cash'), r -> 'account', true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'account' -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- stub clients from the embedded client object
  insert into yclients.clients as t (company_id, id, name, phone, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'client' -> 'id'))
         p_company_id, yclients_sync.json_id(r -> 'client' -> 'id'), yclients_sync.json_text(r -> 'client' -> 'name'),
         yclients_sync.json_text(r -> 'client' -> 'phone'), r -> 'client', true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'client' -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- stub staff from the embedded master object
  insert into yclients.staff as t (company_id, id, name, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'master' -> 'id'))
         p_company_id, yclients_sync.json_id(r -> 'master' -> 'id'),
         coalesce(yclients_sync.json_text(r -> 'master' -> 'title'), yclients_sync.json_text(r -> 'master' -> 'name')),
         r -> 'master', true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'master' -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- stub records for record ids not known yet (e.g. outside the synced records window)
  insert into yclients.records as t (company_id, id, raw, is_stub)
  select distinct p_company_id, yclients_sync.json_id(r -> 'record_id'),
         jsonb_build_object('id', yclients_sync.json_id(r -> 'record_id')), true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'record_id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones (or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_timestamptz(r -> 'date') as date,
           yclients_sync.json_numeric(r -> 'amount') as amount,
           yclients_sync.json_text(r -> 'comment') as comment,
           yclients_sync.json_id(r -> 'expense' -> 'id') as expense_category_id,
           yclients_sync.json_id(r -> 'account' -> 'id') as account_id,
           yclients_sync.json_id(r -> 'client' -> 'id') as client_id,
           yclients_sync.json_id(r -> 'record_id') as record_id,
           yclients_sync.json_id(r -> 'master' -> 'id') as master_id,
           yclients_sync.json_id(r -> 'supplier' -> 'id') as supplier_id,
           yclients_sync.json_id(r -> 'document_id') as document_id,
           yclients_sync.json_id(r -> 'visit_id') as visit_id,
           yclients_sync.json_text(r -> 'sold_item_type') as sold_item_type,
           yclients_sync.json_id(r -> 'sold_item_id') as sold_item_id,
           yclients_sync.json_timestamptz(r -> 'last_change_date') as last_change_date,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.financial_transactions as t (company_id, id, date, amount, comment, expense_category_id,
      account_id, client_id, record_id, master_id, supplier_id, document_id, visit_id, sold_item_type,
      sold_item_id, last_change_date, raw, synced_at, deleted_at)
    select company_id, id, date, amount, comment, expense_category_id,
      account_id, client_id, record_id, master_id, supplier_id, document_id, visit_id, sold_item_type,
      sold_item_id, last_change_date, raw, now(), null from src
    on conflict (company_id, id) do update set
      date = excluded.date, amount = excluded.amount, comment = excluded.comment,
      expense_category_id = excluded.expense_category_id, account_id = excluded.account_id,
      client_id = excluded.client_id, record_id = excluded.record_id, master_id = excluded.master_id,
      supplier_id = excluded.supplier_id, document_id = excluded.document_id, visit_id = excluded.visit_id,
      sold_item_type = excluded.sold_item_type, sold_item_id = excluded.sold_item_id,
      last_change_date = excluded.last_change_date, raw = excluded.raw, synced_at = excluded.synced_at,
      deleted_at = null
    where (t.date, t.amount, t.comment, t.expense_category_id, t.account_id, t.client_id, t.record_id,
           t.master_id, t.supplier_id, t.document_id, t.visit_id, t.sold_item_type, t.sold_item_id,
           t.last_change_date, t.raw, t.deleted_at is null)
      is distinct from (excluded.date, excluded.amount, excluded.comment, excluded.expense_category_id,
           excluded.account_id, excluded.client_id, excluded.record_id, excluded.master_id,
           excluded.supplier_id, excluded.document_id, excluded.visit_id, excluded.sold_item_type,
           excluded.sold_item_id, excluded.last_change_date, excluded.raw, true)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0
  into v_ins, v_upd, v_del
  from up u;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'transactions', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;
