-- 00002: the merge functions the sync calls, one per entity, and finish_refresh.
--
-- Every merge_<entity>(p_company_id, p_run_id, p_rows, p_state, p_refresh_id) does, in one call (one
-- round trip, one transaction): de-duplicate the page by id (last occurrence wins); insert stub parents
-- for references not yet known (ON CONFLICT DO NOTHING); upsert the rows with
-- INSERT … ON CONFLICT DO UPDATE … WHERE (…) IS DISTINCT FROM (…) so an unchanged row gets no new
-- version (xmin and synced_at stay); replace the link rows of changed parents only; soft-delete rows
-- flagged deleted upstream; write the checkpoint (p_state) to sync_state; remember the page's ids for
-- finish_refresh (p_refresh_id); add the counts to sync_run_entities; return the counts.

create function yclients_sync.finish_page(
  p_company_id bigint,
  p_run_id bigint,
  p_entity text,
  p_page jsonb,
  p_fetched integer,
  p_inserted integer,
  p_updated integer,
  p_unchanged integer,
  p_deleted integer,
  p_state jsonb,
  p_refresh_id bigint
) returns void
language plpgsql as $$
-- Purpose: the bookkeeping every merge does after landing a page.
-- Inputs: the entity, the de-duplicated page (p_page), the rows received (p_fetched, before de-duplication),
--   the merge's counts, the checkpoint (p_state: {last_id, last_ordinal, page_size, cursor, and optionally
--   status, try_count, next_try_at, last_error}) and the refresh id.
-- Returns: nothing. Idempotency: sync_state is an upsert (same state → same row); seen ids are a set; the
--   run counters add up on every call (a repeated page is counted twice, as it was fetched twice).
begin
  -- checkpoint: only the keys present in p_state are written, in the same transaction as the page's rows
  if p_state is not null then
    insert into yclients_sync.sync_state as s
      (company_id, entity, last_id, last_ordinal, page_size, cursor, status, try_count, next_try_at, last_error, updated_at)
    values (
      p_company_id, p_entity,
      yclients_sync.json_id(p_state -> 'last_id'),
      trunc(yclients_sync.json_numeric(p_state -> 'last_ordinal'))::bigint,
      yclients_sync.json_int(p_state -> 'page_size'),
      p_state -> 'cursor',
      coalesce(yclients_sync.json_text(p_state -> 'status'), 'in_progress'),
      coalesce(yclients_sync.json_int(p_state -> 'try_count'), 0),
      yclients_sync.json_timestamptz(p_state -> 'next_try_at'),
      yclients_sync.json_text(p_state -> 'last_error'),
      now())
    on conflict (company_id, entity) do update set
      last_id = case when p_state ? 'last_id' then excluded.last_id else s.last_id end,
      last_ordinal = case when p_state ? 'last_ordinal' then excluded.last_ordinal else s.last_ordinal end,
      page_size = case when p_state ? 'page_size' then excluded.page_size else s.page_size end,
      cursor = case when p_state ? 'cursor' then excluded.cursor else s.cursor end,
      status = case when p_state ? 'status' then excluded.status else s.status end,
      try_count = case when p_state ? 'try_count' then excluded.try_count else s.try_count end,
      next_try_at = case when p_state ? 'next_try_at' then excluded.next_try_at else s.next_try_at end,
      last_error = case when p_state ? 'last_error' then excluded.last_error else s.last_error end,
      updated_at = now();
  end if;
  -- seen ids: what upstream returned under this refresh, for finish_refresh
  if p_refresh_id is not null then
    insert into yclients_staging.seen_ids (company_id, entity, refresh_id, id)
    select p_company_id, p_entity, p_refresh_id, yclients_sync.json_id(r -> 'id')
    from jsonb_array_elements(p_page) as r
    on conflict do nothing;
  end if;
  -- run counters: one more page and its counts for (run, company, entity)
  if p_run_id is not null then
    insert into yclients_sync.sync_run_entities as e
      (run_id, company_id, entity, pages, rows_fetched, inserted, updated, unchanged, deleted)
    values (p_run_id, p_company_id, p_entity, 1, p_fetched, p_inserted, p_updated, p_unchanged, p_deleted)
    on conflict (run_id, company_id, entity) do update set
      pages = e.pages + 1,
      rows_fetched = e.rows_fetched + excluded.rows_fetched,
      inserted = e.inserted + excluded.inserted,
      updated = e.updated + excluded.updated,
      unchanged = e.unchanged + excluded.unchanged,
      deleted = e.deleted + excluded.deleted;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_positions(
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
  ), pre as (
    select t.id, t.deleted_at from yclients.positions t join src on t.company_id = src.company_id and t.id = src.id
  ), up as (
    insert into yclients.positions as t (company_id, id, title, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.title, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.raw, true, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
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
create function yclients_sync.merge_staff(
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
  ), pre as (
    select t.id, t.deleted_at from yclients.staff t join src on t.company_id = src.company_id and t.id = src.id
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
  from up u left join pre p on p.id = u.id;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'staff', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_service_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of service categories ({id, title, weight, api_id, raw}).
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_int(r -> 'weight') as weight,
           yclients_sync.json_text(r -> 'api_id') as api_id,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.service_categories as t (company_id, id, title, weight, api_id, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, weight, api_id, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, weight = excluded.weight, api_id = excluded.api_id, raw = excluded.raw,
      synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.title, t.weight, t.api_id, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.weight, excluded.api_id, excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0
  into v_ins, v_upd, v_del
  from up u;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'service_categories', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_services(
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
    with want as (
      select distinct on (yclients_sync.json_id(r -> 'id'), yclients_sync.json_id(s -> 'staff_id'))
             yclients_sync.json_id(r -> 'id') as service_id, yclients_sync.json_id(s -> 'staff_id') as staff_id,
             yclients_sync.json_int(s -> 'seance_length_seconds') as seance_length,
             yclients_sync.json_numeric(s -> 'price') as price
      from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'staff')) with ordinality as x(s, n)
      where yclients_sync.json_id(r -> 'id') = any (v_changed) and yclients_sync.json_id(s -> 'staff_id') is not null
      order by yclients_sync.json_id(r -> 'id'), yclients_sync.json_id(s -> 'staff_id'), x.n desc
    ), gone as (
      delete from yclients.service_staff l
      where l.company_id = p_company_id and l.service_id = any (v_changed)
        and not exists (select 1 from want w where w.service_id = l.service_id and w.staff_id = l.staff_id)
    )
    insert into yclients.service_staff as l (company_id, service_id, staff_id, seance_length, price)
    select p_company_id, service_id, staff_id, seance_length, price from want
    on conflict (company_id, service_id, staff_id) do update set
      seance_length = excluded.seance_length, price = excluded.price
    where (l.seance_length, l.price) is distinct from (excluded.seance_length, excluded.price);
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'services', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_client_categories(
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
  ), pre as (
    select t.id, t.deleted_at from yclients.client_categories t join src on t.company_id = src.company_id and t.id = src.id
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
  from up u left join pre p on p.id = u.id;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'client_categories', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_clients(
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
    with want as (
      select distinct yclients_sync.json_id(r -> 'id') as client_id, yclients_sync.json_id(c -> 'id') as category_id
      from jsonb_array_elements(v_page) as r, jsonb_array_elements(yclients_sync.json_array(r -> 'categories')) as c
      where yclients_sync.json_id(r -> 'id') = any (v_changed) and yclients_sync.json_id(c -> 'id') is not null
    ), gone as (
      delete from yclients.client_category_links l
      where l.company_id = p_company_id and l.client_id = any (v_changed)
        and not exists (select 1 from want w where w.client_id = l.client_id and w.category_id = l.category_id)
    )
    insert into yclients.client_category_links (company_id, client_id, category_id)
    select p_company_id, client_id, category_id from want
    on conflict do nothing;
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'clients', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_accounts(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of accounts / cash desks ({id, title, type, is_cash, comment, raw}).
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_int(r -> 'type') as type,
           yclients_sync.json_bool(r -> 'is_cash') as is_cash,
           yclients_sync.json_text(r -> 'comment') as comment,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.accounts as t (company_id, id, title, type, is_cash, comment, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, type, is_cash, comment, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, type = excluded.type, is_cash = excluded.is_cash, comment = excluded.comment,
      raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.title, t.type, t.is_cash, t.comment, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.type, excluded.is_cash, excluded.comment, excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0
  into v_ins, v_upd, v_del
  from up u;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'accounts', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_records(
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
  ), pre as (
    select t.id, t.deleted_at from yclients.records t join src on t.company_id = src.company_id and t.id = src.id
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
  from up u left join pre p on p.id = u.id;
  -- lines: record_services of the changed records becomes exactly upstream's list (others untouched)
  if cardinality(v_changed) > 0 then
    with want as (
      select yclients_sync.json_id(r -> 'id') as record_id, x.n::integer as line_no,
             yclients_sync.json_id(s -> 'id') as service_id,
             yclients_sync.json_text(s -> 'title') as title,
             yclients_sync.json_numeric(s -> 'cost') as cost,
             yclients_sync.json_numeric(s -> 'first_cost') as first_cost,
             yclients_sync.json_numeric(s -> 'discount') as discount,
             yclients_sync.json_numeric(s -> 'amount') as amount,
             yclients_sync.json_numeric(s -> 'cost_per_unit') as cost_per_unit,
             yclients_sync.json_numeric(s -> 'manual_cost') as manual_cost
      from jsonb_array_elements(v_page) as r,
           jsonb_array_elements(yclients_sync.json_array(r -> 'services')) with ordinality as x(s, n)
      where yclients_sync.json_id(r -> 'id') = any (v_changed) and jsonb_typeof(s) = 'object'
    ), gone as (
      delete from yclients.record_services l
      where l.company_id = p_company_id and l.record_id = any (v_changed)
        and not exists (select 1 from want w where w.record_id = l.record_id and w.line_no = l.line_no)
    )
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
           excluded.discount, excluded.amount, excluded.cost_per_unit, excluded.manual_cost);
  end if;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'records', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.merge_transactions(
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

-- ---------------------------------------------------------------------------------------------------
create function yclients_sync.finish_refresh(
  p_company_id bigint, p_entity text, p_refresh_id bigint, p_from timestamptz default null, p_to timestamptz default null
) returns integer
language plpgsql as $$
-- Purpose: end a full refresh of one entity: soft-delete (set deleted_at) the live rows of the company that
--   upstream did not return under p_refresh_id, then forget that refresh's seen ids. Rows that were seen are
--   never touched. With a window, only rows whose records.datetime / financial_transactions.date lies in
--   [p_from, p_to) are considered (either bound may be null = open).
-- Inputs: company, entity (a sync_state.entity value), the refresh id given to the merges, optional window.
-- Returns: the number of rows soft-deleted.
-- Idempotency: a second call finds no seen ids (cleared), so call it once, after the last page.
declare
  v_table text;
  v_time_column text;
  v_window text := '';
  v_count integer;
begin
  -- which table holds the entity, and which column a window applies to
  select m.tbl, m.time_column into v_table, v_time_column
  from (values ('positions', 'positions', null), ('staff', 'staff', null),
               ('service_categories', 'service_categories', null), ('services', 'services', null),
               ('client_categories', 'client_categories', null), ('clients', 'clients', null),
               ('accounts', 'accounts', null), ('records', 'records', 'datetime'),
               ('transactions', 'financial_transactions', 'date')) as m(entity, tbl, time_column)
  where m.entity = p_entity;
  -- unknown entities and windows on entities without a time column are caller bugs
  if v_table is null then
    raise exception using errcode = 'invalid_parameter_value', message = format('finish_refresh: unknown entity %L', p_entity);
  end if;
  if (p_from is not null or p_to is not null) then
    if v_time_column is null then
      raise exception using errcode = 'invalid_parameter_value',
        message = format('finish_refresh: entity %L has no time window', p_entity);
    end if;
    v_window := format(' and ($4::timestamptz is null or t.%1$I >= $4) and ($5::timestamptz is null or t.%1$I < $5)',
                       v_time_column);
  end if;
  -- one statement: soft-delete the unseen live rows (in the window) and clear this refresh's seen ids
  execute format($sql$
    with gone as (
      update yclients.%1$I t set deleted_at = now()
      where t.company_id = $1 and t.deleted_at is null%2$s
        and not exists (select 1 from yclients_staging.seen_ids s
                        where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id)
      returning 1
    ), cleared as (
      delete from yclients_staging.seen_ids s where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3
    )
    select count(*)::integer from gone$sql$, v_table, v_window)
  into v_count
  using p_company_id, p_entity, p_refresh_id, p_from, p_to;
  return v_count;
end
$$;

-- The merge functions are the sync's API, not the analysts'.
revoke execute on all functions in schema yclients_sync from public;
