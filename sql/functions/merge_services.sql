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
