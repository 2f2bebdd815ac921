-- 00004: the same merge functions, with plans that stay fast as the tables grow.
--
-- Found with auto_explain on a 20,000-record load (bench/README.md): the merges slowed down with the size
-- of the company's data because some per-page lookups walked the company's whole index range. The plans
-- matter twice: PL/pgSQL caches a generic plan after a few calls, so a plan chosen while a table is small
-- (or just truncated, or without statistics) is kept while the table grows. So every lookup by key below
-- is a shape whose only sensible plan is a primary-key probe, whatever the estimates:
--
-- - merge_staff / merge_client_categories / merge_records looked up each row's previous deleted_at by
--   joining on `t.company_id = src.company_id` (a CTE column, so only `id` was an index condition and every
--   probe read the whole primary-key index; with p_company_id instead, a hash join over the company's range
--   is still what the planner picks while the table is small). Now: a LATERAL … OFFSET 0 probe on
--   (company_id, id), and only for the rows that need it (updated rows now flagged deleted).
-- - merge_services / merge_clients / merge_records replaced the links of changed parents with
--   `delete … where company_id = p_company_id and parent_id = any(v_changed)`, which the planner served from
--   another index with the company prefix only (record_services_service_idx), filtering the whole company.
--   Now the links of each changed parent come from one primary-key probe per parent (LATERAL … OFFSET 0),
--   and the ones upstream dropped are deleted by row address (ctid = any(…), a TID scan) in a statement
--   planned for that call (EXECUTE), skipped when there are none. The sync merges a company from one
--   process at a time (its advisory lock), so no other writer moves those rows in between.
-- - dedupe_page returns the page as it is when it already has one row per id (the usual case) instead of
--   rebuilding it with jsonb_agg.
-- - merge_positions loses an unused CTE of the same shape (it was never executed).
--
-- Behaviour is unchanged: same counts, same IS DISTINCT FROM rule (no new row version for an unchanged row
-- or link), same stubs, soft deletes and bookkeeping (finish_page in the same call). merge_service_categories,
-- merge_accounts, merge_transactions, finish_page and finish_refresh have no such lookup and stay as 00002
-- defined them.

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.dedupe_page(p_rows jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the page's rows that have an id, one per id (the last occurrence wins), in page order; a page that is
  -- already like that (every row has an id, no id twice: the usual case) is returned as it is
  select case
    when (select count(distinct yclients_sync.json_id(e.r -> 'id'))
          from jsonb_array_elements(yclients_sync.json_array(p_rows)) as e(r))
         = jsonb_array_length(yclients_sync.json_array(p_rows))
      then yclients_sync.json_array(p_rows)
    else (
      select coalesce(jsonb_agg(d.r order by d.n), '[]'::jsonb)
      from (
        select distinct on (yclients_sync.json_id(e.r -> 'id')) e.r, e.n
        from jsonb_array_elements(yclients_sync.json_array(p_rows)) with ordinality as e(r, n)
        where yclients_sync.json_id(e.r -> 'id') is not null
        order by yclients_sync.json_id(e.r -> 'id'), e.n desc
      ) d)
  end
$$;

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.merge_positions(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of positions ({id, title, raw}) into yclients.positions.
-- Inputs: company, run id (counters), the page as a jsonb array, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (rows soft-deleted by this call) counts.
-- Idempotency: merging the same page again writes no data row (all unchanged).
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.positions as t (company_id, id, title, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.title, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0
  into v_ins, v_upd, v_del
  from up u;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'positions', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.merge_staff(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of staff ({id, name, specialization, position_id, position_title, fired, hidden,
--   deleted, user_id, weight, api_id, dismissal_date, avatar, raw}) into yclients.staff; unknown positions
--   become stubs; `deleted: true` sets deleted_at (kept if already set), a live row clears it.
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- stub positions for position ids not known yet, titled from the staff row
  insert into yclients.positions as t (company_id, id, title, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'position_id'))
         p_company_id, yclients_sync.json_id(r -> 'position_id'), yclients_sync.json_text(r -> 'position_title'),
         jsonb_build_object('id', r -> 'position_id', 'title', r -> 'position_title'), true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'position_id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones updated, the rest untouched; the deleted flag drives deleted_at
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'name') as name,
           yclients_sync.json_text(r -> 'specialization') as specialization,
           yclients_sync.json_id(r -> 'position_id') as position_id,
           yclients_sync.json_bool(r -> 'fired') as fired,
           yclients_sync.json_bool(r -> 'hidden') as hidden,
           yclients_sync.json_id(r -> 'user_id') as user_id,
           yclients_sync.json_int(r -> 'weight') as weight,
           yclients_sync.json_text(r -> 'api_id') as api_id,
           yclients_sync.json_date(r -> 'dismissal_date') as dismissal_date,
           yclients_sync.json_text(r -> 'avatar') as avatar,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw,
           case when coalesce(yclients_sync.json_bool(r -> 'deleted'), false) then now() end as deleted_at
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.staff as t (company_id, id, name, specialization, position_id, fired, hidden, user_id,
      weight, api_id, dismissal_date, avatar, raw, synced_at, deleted_at, is_stub)
    select company_id, id, name, specialization, position_id, fired, hidden, user_id,
      weight, api_id, dismissal_date, avatar, raw, now(), deleted_at, false from src
    on conflict (company_id, id) do update set
      name = excluded.name, specialization = excluded.specialization, position_id = excluded.position_id,
      fired = excluded.fired, hidden = excluded.hidden, user_id = excluded.user_id, weight = excluded.weight,
      api_id = excluded.api_id, dismissal_date = excluded.dismissal_date, avatar = excluded.avatar,
      raw = excluded.raw, synced_at = excluded.synced_at, is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
    where (t.name, t.specialization, t.position_id, t.fired, t.hidden, t.user_id, t.weight, t.api_id,
           t.dismissal_date, t.avatar, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.name, excluded.specialization, excluded.position_id, excluded.fired,
           excluded.hidden, excluded.user_id, excluded.weight, excluded.api_id, excluded.dismissal_date,
           excluded.avatar, excluded.raw, excluded.deleted_at is null, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new),
         count(*) filter (where not u.is_new and not (u.deleted_at is not null and p.deleted_at is null)),
         count(*) filter (where not u.is_new and u.deleted_at is not null and p.deleted_at is null)
  into v_ins, v_upd, v_del
  from up u
  -- deleted_at before this statement (same snapshot), needed only for updated rows now flagged deleted: one
  -- primary-key probe each (LATERAL … OFFSET 0 stays a per-row lookup, never a join over the company)
  left join lateral (
    select t.deleted_at from yclients.staff t
    where not u.is_new and u.deleted_at is not null and t.company_id = p_company_id and t.id = u.id
    offset 0
  ) p on true;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'staff', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.merge_services(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of services ({id, category_id, title, price_min, price_max, duration_seconds, active,
--   weight, comment, api_id, staff: [{staff_id, seance_length_seconds, price}], raw}) into yclients.services,
--   and replace the service_staff rows of changed services; unknown categories and staff become stubs.
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row, links included.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
  v_changed bigint[];
  v_gone tid[];
begin
  -- stub categories for category ids not known yet
  insert into yclients.service_categories as t (company_id, id, raw, is_stub)
  select distinct p_company_id, yclients_sync.json_id(r -> 'category_id'),
         jsonb_build_object('id', yclients_sync.json_id(r -> 'category_id')), true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'category_id') is not null
  on conflict (company_id, id) do nothing;
  -- stub staff for the masters a service names but we do not know yet
  insert into yclients.staff as t (company_id, id, raw, is_stub)
  select distinct p_company_id, yclients_sync.json_id(s -> 'staff_id'),
         jsonb_build_object('id', yclients_sync.json_id(s -> 'staff_id')), true
  from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'staff')) as s
  where yclients_sync.json_id(s -> 'staff_id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_id(r -> 'category_id') as category_id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_numeric(r -> 'price_min') as price_min,
           yclients_sync.json_numeric(r -> 'price_max') as price_max,
           yclients_sync.json_int(r -> 'duration_seconds') as duration_seconds,
           yclients_sync.json_bool(r -> 'active') as active,
           yclients_sync.json_int(r -> 'weight') as weight,
           yclients_sync.json_text(r -> 'comment') as comment,
           yclients_sync.json_text(r -> 'api_id') as api_id,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.services as t (company_id, id, category_id, title, price_min, price_max, duration_seconds,
      active, weight, comment, api_id, raw, synced_at, deleted_at, is_stub)
    select company_id, id, category_id, title, price_min, price_max, duration_seconds,
      active, weight, comment, api_id, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      category_id = excluded.category_id, title = excluded.title, price_min = excluded.price_min,
      price_max = excluded.price_max, duration_seconds = excluded.duration_seconds, active = excluded.active,
      weight = excluded.weight, comment = excluded.comment, api_id = excluded.api_id, raw = excluded.raw,
      synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.category_id, t.title, t.price_min, t.price_max, t.duration_seconds, t.active, t.weight, t.comment,
           t.api_id, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.category_id, excluded.title, excluded.price_min, excluded.price_max,
           excluded.duration_seconds, excluded.active, excluded.weight, excluded.comment, excluded.api_id,
           excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0, coalesce(array_agg(u.id), '{}')
  into v_ins, v_upd, v_del, v_changed
  from up u;
  -- links: service_staff of the changed services becomes exactly what upstream lists (others untouched)
  if cardinality(v_changed) > 0 then
    with chg as (
      select yclients_sync.json_id(r -> 'id') as service_id, yclients_sync.json_array(r -> 'staff') as staff
      from jsonb_array_elements(v_page) as r
      where yclients_sync.json_id(r -> 'id') = any (v_changed)
    ), want as (
      select distinct on (c.service_id, yclients_sync.json_id(s -> 'staff_id'))
             c.service_id, yclients_sync.json_id(s -> 'staff_id') as staff_id,
             yclients_sync.json_int(s -> 'seance_length_seconds') as seance_length,
             yclients_sync.json_numeric(s -> 'price') as price
      from chg c, jsonb_array_elements(c.staff) with ordinality as x(s, n)
      where yclients_sync.json_id(s -> 'staff_id') is not null
      order by c.service_id, yclients_sync.json_id(s -> 'staff_id'), x.n desc
    ), landed as (
      insert into yclients.service_staff as l (company_id, service_id, staff_id, seance_length, price)
      select p_company_id, service_id, staff_id, seance_length, price from want
      on conflict (company_id, service_id, staff_id) do update set
        seance_length = excluded.seance_length, price = excluded.price
      where (l.seance_length, l.price) is distinct from (excluded.seance_length, excluded.price)
    )
    -- the stored links of each changed service (one primary-key probe per service: LATERAL … OFFSET 0 is
    -- never a join over the company's whole range) whose staff upstream no longer lists
    select coalesce(array_agg(x.ctid), '{}') into v_gone
    from chg c
    cross join lateral (
      select l.ctid, l.staff_id from yclients.service_staff l
      where l.company_id = p_company_id and l.service_id = c.service_id
      order by l.staff_id offset 0
    ) x
    where not exists (select 1 from jsonb_array_elements(c.staff) as s
                      where yclients_sync.json_id(s -> 'staff_id') = x.staff_id);
    -- the links upstream no longer lists are deleted by row address, in a statement planned for this call
    -- (EXECUTE), so a plan cached while the table was small cannot turn it into a sequential scan
    if cardinality(v_gone) > 0 then
      execute 'delete from yclients.service_staff where ctid = any ($1)' using v_gone;
    end if;
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'services', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.merge_client_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of client labels ({id, title, color, deleted, raw}) into yclients.client_categories;
--   `deleted: true` sets deleted_at (kept if already set), a live row clears it.
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones updated, the rest untouched; the deleted flag drives deleted_at
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_text(r -> 'color') as color,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw,
           case when coalesce(yclients_sync.json_bool(r -> 'deleted'), false) then now() end as deleted_at
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.client_categories as t (company_id, id, title, color, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, color, raw, now(), deleted_at, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, color = excluded.color, raw = excluded.raw, synced_at = excluded.synced_at,
      is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
    where (t.title, t.color, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.color, excluded.raw, excluded.deleted_at is null, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new),
         count(*) filter (where not u.is_new and not (u.deleted_at is not null and p.deleted_at is null)),
         count(*) filter (where not u.is_new and u.deleted_at is not null and p.deleted_at is null)
  into v_ins, v_upd, v_del
  from up u
  -- deleted_at before this statement (same snapshot), needed only for updated rows now flagged deleted: one
  -- primary-key probe each (LATERAL … OFFSET 0 stays a per-row lookup, never a join over the company)
  left join lateral (
    select t.deleted_at from yclients.client_categories t
    where not u.is_new and u.deleted_at is not null and t.company_id = p_company_id and t.id = u.id
    offset 0
  ) p on true;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'client_categories', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
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

-- ---------------------------------------------------------------------------------------------------
create or replace function yclients_sync.merge_records(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of records ({id, datetime, create_date, last_change_date, seance_length_seconds,
--   attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, deleted, visit_id,
--   staff_id, staff: {id, name, specialization, position_id, position_title}, client_id,
--   client: {id, name, surname, phone, email}, services: [{id, title, cost, first_cost, discount, amount,
--   cost_per_unit, manual_cost}], raw}) into yclients.records, and replace the record_services lines of
--   changed records (line_no = position in the list). Unknown staff, positions, clients and services become
--   stubs built from the embedded objects. `deleted: true` sets deleted_at (kept if set), a live row clears it.
-- Inputs: company, run id, the page, optional checkpoint (records: the date window in cursor) and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row, lines included.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
  v_changed bigint[];
  v_gone tid[];
begin
  -- stub positions named by embedded staff objects
  insert into yclients.positions as t (company_id, id, title, raw, is_stub)
  select distinct on (yclients_sync.json_id(r -> 'staff' -> 'position_id'))
         p_company_id, yclients_sync.json_id(r -> 'staff' -> 'position_id'),
         yclients_sync.json_text(r -> 'staff' -> 'position_title'),
         jsonb_build_object('id', r -> 'staff' -> 'position_id', 'title', r -> 'staff' -> 'position_title'), true
  from jsonb_array_elements(v_page) as r
  where yclients_sync.json_id(r -> 'staff' -> 'position_id') is not null
  on conflict (company_id, id) do nothing;
  -- stub staff from the embedded staff object (or just the id)
  insert into yclients.staff as t (company_id, id, name, specialization, position_id, raw, is_stub)
  select distinct on (s.id) p_company_id, s.id, yclients_sync.json_text(s.o -> 'name'),
         yclients_sync.json_text(s.o -> 'specialization'), yclients_sync.json_id(s.o -> 'position_id'),
         coalesce(s.o, jsonb_build_object('id', s.id)), true
  from (
    select coalesce(yclients_sync.json_id(r -> 'staff_id'), yclients_sync.json_id(r -> 'staff' -> 'id')) as id,
           yclients_sync.json_object(r -> 'staff') as o
    from jsonb_array_elements(v_page) as r
  ) s
  where s.id is not null
  order by s.id, (s.o is null)
  on conflict (company_id, id) do nothing;
  -- stub clients from the embedded client object (or just the id)
  insert into yclients.clients as t (company_id, id, name, surname, phone, email, raw, is_stub)
  select distinct on (c.id) p_company_id, c.id, yclients_sync.json_text(c.o -> 'name'),
         yclients_sync.json_text(c.o -> 'surname'), yclients_sync.json_text(c.o -> 'phone'),
         yclients_sync.json_text(c.o -> 'email'), coalesce(c.o, jsonb_build_object('id', c.id)), true
  from (
    select coalesce(yclients_sync.json_id(r -> 'client_id'), yclients_sync.json_id(r -> 'client' -> 'id')) as id,
           yclients_sync.json_object(r -> 'client') as o
    from jsonb_array_elements(v_page) as r
  ) c
  where c.id is not null
  order by c.id, (c.o is null)
  on conflict (company_id, id) do nothing;
  -- stub services from the record's service lines
  insert into yclients.services as t (company_id, id, title, raw, is_stub)
  select distinct on (yclients_sync.json_id(s -> 'id')) p_company_id, yclients_sync.json_id(s -> 'id'),
         yclients_sync.json_text(s -> 'title'), jsonb_build_object('id', s -> 'id', 'title', s -> 'title'), true
  from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'services')) as s
  where yclients_sync.json_id(s -> 'id') is not null
  on conflict (company_id, id) do nothing;
  -- upsert: new rows inserted, changed ones updated, the rest untouched; the deleted flag drives deleted_at
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_timestamptz(r -> 'datetime') as datetime,
           yclients_sync.json_timestamptz(r -> 'create_date') as create_date,
           yclients_sync.json_timestamptz(r -> 'last_change_date') as last_change_date,
           yclients_sync.json_int(coalesce(r -> 'seance_length_seconds', r -> 'seance_length')) as seance_length,
           yclients_sync.json_int(r -> 'attendance') as attendance,
           yclients_sync.json_int(r -> 'visit_attendance') as visit_attendance,
           yclients_sync.json_bool(r -> 'confirmed') as confirmed,
           yclients_sync.json_bool(r -> 'paid_full') as paid_full,
           yclients_sync.json_text(r -> 'payment_status') as payment_status,
           yclients_sync.json_bool(r -> 'online') as online,
           yclients_sync.json_text(r -> 'comment') as comment,
           yclients_sync.json_id(r -> 'visit_id') as visit_id,
           coalesce(yclients_sync.json_id(r -> 'staff_id'), yclients_sync.json_id(r -> 'staff' -> 'id')) as staff_id,
           coalesce(yclients_sync.json_id(r -> 'client_id'), yclients_sync.json_id(r -> 'client' -> 'id')) as client_id,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw,
           case when coalesce(yclients_sync.json_bool(r -> 'deleted'), false) then now() end as deleted_at
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.records as t (company_id, id, datetime, create_date, last_change_date, seance_length,
      attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, visit_id, staff_id,
      client_id, raw, synced_at, deleted_at, is_stub)
    select company_id, id, datetime, create_date, last_change_date, seance_length,
      attendance, visit_attendance, confirmed, paid_full, payment_status, online, comment, visit_id, staff_id,
      client_id, raw, now(), deleted_at, false from src
    on conflict (company_id, id) do update set
      datetime = excluded.datetime, create_date = excluded.create_date,
      last_change_date = excluded.last_change_date, seance_length = excluded.seance_length,
      attendance = excluded.attendance, visit_attendance = excluded.visit_attendance,
      confirmed = excluded.confirmed, paid_full = excluded.paid_full, payment_status = excluded.payment_status,
      online = excluded.online, comment = excluded.comment, visit_id = excluded.visit_id,
      staff_id = excluded.staff_id, client_id = excluded.client_id, raw = excluded.raw,
      synced_at = excluded.synced_at, is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
    where (t.datetime, t.create_date, t.last_change_date, t.seance_length, t.attendance, t.visit_attendance,
           t.confirmed, t.paid_full, t.payment_status, t.online, t.comment, t.visit_id, t.staff_id, t.client_id,
           t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.datetime, excluded.create_date, excluded.last_change_date,
           excluded.seance_length, excluded.attendance, excluded.visit_attendance, excluded.confirmed,
           excluded.paid_full, excluded.payment_status, excluded.online, excluded.comment, excluded.visit_id,
           excluded.staff_id, excluded.client_id, excluded.raw, excluded.deleted_at is null, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new),
         count(*) filter (where not u.is_new and not (u.deleted_at is not null and p.deleted_at is null)),
         count(*) filter (where not u.is_new and u.deleted_at is not null and p.deleted_at is null),
         coalesce(array_agg(u.id), '{}')
  into v_ins, v_upd, v_del, v_changed
  from up u
  -- deleted_at before this statement (same snapshot), needed only for updated rows now flagged deleted: one
  -- primary-key probe each (LATERAL … OFFSET 0 stays a per-row lookup, never a join over the company)
  left join lateral (
    select t.deleted_at from yclients.records t
    where not u.is_new and u.deleted_at is not null and t.company_id = p_company_id and t.id = u.id
    offset 0
  ) p on true;
  -- lines: record_services of the changed records becomes exactly upstream's list (others untouched)
  if cardinality(v_changed) > 0 then
    with chg as (
      select yclients_sync.json_id(r -> 'id') as record_id, yclients_sync.json_array(r -> 'services') as services
      from jsonb_array_elements(v_page) as r
      where yclients_sync.json_id(r -> 'id') = any (v_changed)
    ), want as (
      select c.record_id, x.n::integer as line_no,
             yclients_sync.json_id(s -> 'id') as service_id,
             yclients_sync.json_text(s -> 'title') as title,
             yclients_sync.json_numeric(s -> 'cost') as cost,
             yclients_sync.json_numeric(s -> 'first_cost') as first_cost,
             yclients_sync.json_numeric(s -> 'discount') as discount,
             yclients_sync.json_numeric(s -> 'amount') as amount,
             yclients_sync.json_numeric(s -> 'cost_per_unit') as cost_per_unit,
             yclients_sync.json_numeric(s -> 'manual_cost') as manual_cost
      from chg c, jsonb_array_elements(c.services) with ordinality as x(s, n)
      where jsonb_typeof(s) = 'object'
    ), landed as (
      insert into yclients.record_services as l (company_id, record_id, line_no, service_id, title, cost, first_cost,
        discount, amount, cost_per_unit, manual_cost)
      select p_company_id, record_id, line_no, service_id, title, cost, first_cost, discount, amount,
        cost_per_unit, manual_cost
      from want
      on conflict (company_id, record_id, line_no) do update set
        service_id = excluded.service_id, title = excluded.title, cost = excluded.cost,
        first_cost = excluded.first_cost, discount = excluded.discount, amount = excluded.amount,
        cost_per_unit = excluded.cost_per_unit, manual_cost = excluded.manual_cost
      where (l.service_id, l.title, l.cost, l.first_cost, l.discount, l.amount, l.cost_per_unit, l.manual_cost)
        is distinct from (excluded.service_id, excluded.title, excluded.cost, excluded.first_cost,
             excluded.discount, excluded.amount, excluded.cost_per_unit, excluded.manual_cost)
    )
    -- the stored lines of each changed record (one primary-key probe per record: LATERAL … OFFSET 0 is never
    -- a join over the company's whole range; ORDER BY line_no makes the key the cheapest path even while the
    -- table is too small for estimates to tell its indexes apart) that upstream no longer lists: line n is
    -- wanted when element n of the record's services is an object
    select coalesce(array_agg(x.ctid), '{}') into v_gone
    from chg c
    cross join lateral (
      select l.ctid, l.line_no from yclients.record_services l
      where l.company_id = p_company_id and l.record_id = c.record_id
      order by l.line_no offset 0
    ) x
    where x.line_no < 1 or jsonb_typeof(c.services -> (x.line_no - 1)) is distinct from 'object';
    -- the lines upstream no longer lists are deleted by row address, in a statement planned for this call
    -- (EXECUTE), so a plan cached while the table was small cannot turn it into a sequential scan
    if cardinality(v_gone) > 0 then
      execute 'delete from yclients.record_services where ctid = any ($1)' using v_gone;
    end if;
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'records', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- The merge functions are the sync's API, not the analysts' (create or replace keeps the grants; this
-- repeats 00002's rule so the file stands on its own).
revoke execute on all functions in schema yclients_sync from public;
