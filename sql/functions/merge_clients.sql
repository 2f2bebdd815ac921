create or replace function yclients_sync.merge_clients(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of clients into yclients.clients, and make the client_category_links of changed
--   clients exactly what upstream lists; labels not known yet become stubs titled from the client row.
-- Inputs: company, run id, the page (the SDK's Client rows with their categories), optional checkpoint and
--   refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: clients vanish, see finish_refresh) counts.
-- Idempotency: merging the same page again writes no data row, links included.
-- Skeleton: src → chg → up in one statement, then finish_merge (see merge_positions); the links upstream
--   no longer lists go by delete_by_ctid.
#variable_conflict use_column
declare
  v_ids bigint[];
  v_ins integer;
  v_upd integer;
  v_gone tid[];
begin
  with src as materialized (
    select distinct on (r.id) r.*
    from rows from (jsonb_to_recordset(p_rows) as (
      id bigint, name text, surname text, patronymic text, phone text, email text, card text, birth_date date,
      comment text, discount numeric, sex_id integer, sex text, sms_check boolean, sms_bot boolean,
      sms_not boolean, balance numeric, importance_id integer, importance text, spent numeric, visits integer,
      last_change_date timestamptz, custom_fields jsonb, categories jsonb, raw jsonb)) with ordinality as r
    where r.id is not null
    order by r.id, r.ordinality desc
  ), chg as materialized (
    select u.*, t.id is null as is_new
    from src u
    left join lateral (
      select * from yclients.clients t where t.company_id = p_company_id and t.id = u.id offset 0
    ) t on true
    where t.id is null
       or (t.name, t.surname, t.patronymic, t.phone, t.email, t.card, t.birth_date, t.comment, t.discount,
           t.sex_id, t.sex, t.sms_check, t.sms_bot, t.sms_not, t.balance, t.importance_id, t.importance,
           t.spent, t.visits, t.last_change_date, t.custom_fields, t.raw, t.deleted_at is null, t.is_stub)
          is distinct from (u.name, u.surname, u.patronymic, u.phone, u.email, u.card, u.birth_date, u.comment,
           u.discount, u.sex_id, u.sex, u.sms_check, u.sms_bot, u.sms_not, u.balance, u.importance_id,
           u.importance, u.spent, u.visits, u.last_change_date, u.custom_fields, coalesce(u.raw, '{}'), true,
           false)
  ), cats as materialized (
    -- the labels each changed client carries (an unchanged client's labels are stored: foreign keys hold)
    select s.id as client_id, c.id, c.title, c.color
    from chg s, jsonb_to_recordset(s.categories) as c(id bigint, title text, color text)
    where c.id is not null
  ), stub_categories as (
    insert into yclients.client_categories as t (company_id, id, title, color, raw, is_stub)
    select p_company_id, d.id, d.title, d.color, jsonb_build_object('id', d.id, 'title', d.title, 'color', d.color),
           true
    from (select distinct on (c.id) c.id, c.title, c.color from cats c) d
    on conflict (company_id, id) do nothing
  ), up as (
    insert into yclients.clients as t (company_id, id, name, surname, patronymic, phone, email, card, birth_date,
      comment, discount, sex_id, sex, sms_check, sms_bot, sms_not, balance, importance_id, importance, spent,
      visits, last_change_date, custom_fields, raw, synced_at, deleted_at, is_stub)
    select p_company_id, s.id, s.name, s.surname, s.patronymic, s.phone, s.email, s.card, s.birth_date,
      s.comment, s.discount, s.sex_id, s.sex, s.sms_check, s.sms_bot, s.sms_not, s.balance, s.importance_id,
      s.importance, s.spent, s.visits, s.last_change_date, s.custom_fields, coalesce(s.raw, '{}'), now(), null,
      false
    from chg s
    on conflict (company_id, id) do update set
      name = excluded.name, surname = excluded.surname, patronymic = excluded.patronymic, phone = excluded.phone,
      email = excluded.email, card = excluded.card, birth_date = excluded.birth_date, comment = excluded.comment,
      discount = excluded.discount, sex_id = excluded.sex_id, sex = excluded.sex, sms_check = excluded.sms_check,
      sms_bot = excluded.sms_bot, sms_not = excluded.sms_not, balance = excluded.balance,
      importance_id = excluded.importance_id, importance = excluded.importance, spent = excluded.spent,
      visits = excluded.visits, last_change_date = excluded.last_change_date,
      custom_fields = excluded.custom_fields, raw = excluded.raw, synced_at = excluded.synced_at,
      deleted_at = null, is_stub = false
  ), landed as (
    -- links of the changed clients: what upstream lists (links of unchanged clients are untouched)
    insert into yclients.client_category_links (company_id, client_id, category_id)
    select distinct p_company_id, c.client_id, c.id
    from cats c
    on conflict do nothing
  ), updated as materialized (
    select y.id as client_id from chg y where not y.is_new
  ), gone as (
    -- the stored links of each updated client (a new one has none) whose label upstream no longer lists:
    -- one primary-key probe per client (LATERAL … OFFSET 0 is never a join over the company's whole range)
    select x.ctid
    from updated ch
    cross join lateral (
      select l.ctid, l.category_id from yclients.client_category_links l
      where l.company_id = p_company_id and l.client_id = ch.client_id
      order by l.category_id offset 0
    ) x
    where not exists (select 1 from cats c where c.client_id = ch.client_id and c.id = x.category_id)
  )
  select coalesce((select array_agg(s.id) from src s), '{}'), count(*) filter (where k.is_new),
         count(*) filter (where not k.is_new), (select array_agg(g.ctid) from gone g)
  into v_ids, v_ins, v_upd, v_gone
  from chg k;
  perform yclients_sync.delete_by_ctid('yclients.client_category_links', v_gone);
  return query select * from yclients_sync.finish_merge(p_company_id, p_run_id, 'clients', v_ids,
    jsonb_array_length(p_rows), v_ins, v_upd, cardinality(v_ids) - v_ins - v_upd, 0, p_state, p_refresh_id);
end
$$;
