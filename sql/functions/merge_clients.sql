create or replace function yclients_sync.merge_clients(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of clients ({id, name, surname, patronymic, phone, email, card, birth_date, comment,
--   discount, sex_id, sex, sms_check, sms_bot, sms_not, balance, importance_id, importance, spent, visits,
--   last_change_date, custom_fields, categories: [{id, title, color}], raw}) into yclients.clients, and
--   replace the client_category_links of changed clients; unknown categories become stubs.
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: clients vanish, see finish_refresh) counts.
-- Idempotency: merging the same page again writes no data row, links included.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
  v_changed bigint[];
  v_gone tid[];
begin
  -- stub categories for labels a client carries that we do not know yet, titled from the client row
  insert into yclients.client_categories as t (company_id, id, title, color, raw, is_stub)
  select distinct on (yclients_sync.json_id(c -> 'id'))
         p_company_id, yclients_sync.json_id(c -> 'id'), yclients_sync.json_text(c -> 'title'),
         yclients_sync.json_text(c -> 'color'), c, true
  from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'categories')) as c
  where yclients_sync.json_id(c -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'name') as name,
           yclients_sync.json_text(r -> 'surname') as surname,
           yclients_sync.json_text(r -> 'patronymic') as patronymic,
           yclients_sync.json_text(r -> 'phone') as phone,
           yclients_sync.json_text(r -> 'email') as email,
           yclients_sync.json_text(r -> 'card') as card,
           yclients_sync.json_date(r -> 'birth_date') as birth_date,
           yclients_sync.json_text(r -> 'comment') as comment,
           yclients_sync.json_numeric(r -> 'discount') as discount,
           yclients_sync.json_int(r -> 'sex_id') as sex_id,
           yclients_sync.json_text(r -> 'sex') as sex,
           yclients_sync.json_bool(r -> 'sms_check') as sms_check,
           yclients_sync.json_bool(r -> 'sms_bot') as sms_bot,
           yclients_sync.json_bool(r -> 'sms_not') as sms_not,
           yclients_sync.json_numeric(r -> 'balance') as balance,
           yclients_sync.json_int(r -> 'importance_id') as importance_id,
           yclients_sync.json_text(r -> 'importance') as importance,
           yclients_sync.json_numeric(r -> 'spent') as spent,
           yclients_sync.json_int(r -> 'visits') as visits,
           yclients_sync.json_timestamptz(r -> 'last_change_date') as last_change_date,
           case when jsonb_typeof(r -> 'custom_fields') in ('object', 'array') then r -> 'custom_fields' end as custom_fields,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.clients as t (company_id, id, name, surname, patronymic, phone, email, card, birth_date,
      comment, discount, sex_id, sex, sms_check, sms_bot, sms_not, balance, importance_id, importance, spent,
      visits, last_change_date, custom_fields, raw, synced_at, deleted_at, is_stub)
    select company_id, id, name, surname, patronymic, phone, email, card, birth_date,
      comment, discount, sex_id, sex, sms_check, sms_bot, sms_not, balance, importance_id, importance, spent,
      visits, last_change_date, custom_fields, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      name = excluded.name, surname = excluded.surname, patronymic = excluded.patronymic, phone = excluded.phone,
      email = excluded.email, card = excluded.card, birth_date = excluded.birth_date, comment = excluded.comment,
      discount = excluded.discount, sex_id = excluded.sex_id, sex = excluded.sex, sms_check = excluded.sms_check,
      sms_bot = excluded.sms_bot, sms_not = excluded.sms_not, balance = excluded.balance,
      importance_id = excluded.importance_id, importance = excluded.importance, spent = excluded.spent,
      visits = excluded.visits, last_change_date = excluded.last_change_date,
      custom_fields = excluded.custom_fields, raw = excluded.raw, synced_at = excluded.synced_at,
      deleted_at = null, is_stub = false
    where (t.name, t.surname, t.patronymic, t.phone, t.email, t.card, t.birth_date, t.comment, t.discount,
           t.sex_id, t.sex, t.sms_check, t.sms_bot, t.sms_not, t.balance, t.importance_id, t.importance,
           t.spent, t.visits, t.last_change_date, t.custom_fields, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.name, excluded.surname, excluded.patronymic, excluded.phone, excluded.email,
           excluded.card, excluded.birth_date, excluded.comment, excluded.discount, excluded.sex_id,
           excluded.sex, excluded.sms_check, excluded.sms_bot, excluded.sms_not, excluded.balance,
           excluded.importance_id, excluded.importance, excluded.spent, excluded.visits,
           excluded.last_change_date, excluded.custom_fields, excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0, coalesce(array_agg(u.id), '{}')
  into v_ins, v_upd, v_del, v_changed
  from up u;
  -- links: client_category_links of the changed clients becomes exactly what upstream lists (others untouched)
  if cardinality(v_changed) > 0 then
    with chg as (
      select yclients_sync.json_id(r -> 'id') as client_id, yclients_sync.json_array(r -> 'categories') as categories
      from jsonb_array_elements(v_page) as r
      where yclients_sync.json_id(r -> 'id') = any (v_changed)
    ), want as (
      select distinct ch.client_id, yclients_sync.json_id(c -> 'id') as category_id
      from chg ch, jsonb_array_elements(ch.categories) as c
      where yclients_sync.json_id(c -> 'id') is not null
    ), landed as (
      insert into yclients.client_category_links (company_id, client_id, category_id)
      select p_company_id, client_id, category_id from want
      on conflict do nothing
    )
    -- the stored links of each changed client (one primary-key probe per client: LATERAL … OFFSET 0 is
    -- never a join over the company's whole range) whose category upstream no longer lists
    select coalesce(array_agg(x.ctid), '{}') into v_gone
    from chg ch
    cross join lateral (
      select l.ctid, l.category_id from yclients.client_category_links l
      where l.company_id = p_company_id and l.client_id = ch.client_id
      order by l.category_id offset 0
    ) x
    where not exists (select 1 from jsonb_array_elements(ch.categories) as c
                      where yclients_sync.json_id(c -> 'id') = x.category_id);
    -- the links upstream no longer lists are deleted by row address, in a statement planned for this call
    -- (EXECUTE), so a plan cached while the table was small cannot turn it into a sequential scan
    if cardinality(v_gone) > 0 then
      execute 'delete from yclients.client_category_links where ctid = any ($1)' using v_gone;
    end if;
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'clients', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;
