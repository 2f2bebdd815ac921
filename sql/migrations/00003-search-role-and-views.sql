-- 00003: name/phone search indexes (pg_trgm, or a btree fallback), the analyst role, and the analytics views.
--
-- Managed databases: the migrating user may not be allowed to create extensions or roles. Neither may
-- fail the migration: each is tried in its own DO block, the fallback is taken, and a NOTICE names the
-- one command an administrator can run. migrate() re-checks on every run and finishes the job (trigram
-- indexes, grants) once the administrator has done it.

-- Functions of yclients_sync are the sync's API, never PUBLIC's.
alter default privileges in schema yclients_sync revoke execute on functions from public;

-- pg_trgm for fast substring search on names and phones (trusted since PostgreSQL 13: a database owner may
-- create it; some providers still forbid it)
do $$
begin
  create extension if not exists pg_trgm;
exception
  when insufficient_privilege or feature_not_supported or undefined_file or duplicate_object or unique_violation then
    raise notice 'pg_trgm could not be created (%): client name/phone search falls back to btree prefix indexes. An administrator can run: CREATE EXTENSION pg_trgm;  (then migrate again)', sqlerrm;
end
$$;

create function yclients_sync.ensure_search_indexes() returns text
language plpgsql as $$
-- Purpose: index yclients.clients for name and phone search: trigram GIN indexes when pg_trgm is installed
--   (in whatever schema), else btree indexes for prefix search (lower(name) LIKE 'анн%', phone LIKE '+7999%').
-- Inputs: none. Returns: 'trigram' or 'btree'.
-- Idempotency: creates only what is missing; once trigram indexes exist, the btree fallback is dropped.
declare
  v_schema text;
begin
  -- where pg_trgm's GIN operator class lives, if it is installed at all
  select n.nspname into v_schema
  from pg_opclass o join pg_namespace n on n.oid = o.opcnamespace join pg_am a on a.oid = o.opcmethod
  where o.opcname = 'gin_trgm_ops' and a.amname = 'gin'
  limit 1;
  -- no pg_trgm: btree prefix search
  if v_schema is null then
    if to_regclass('yclients.clients_name_prefix_idx') is null then
      create index clients_name_prefix_idx on yclients.clients (company_id, lower(name) text_pattern_ops);
    end if;
    if to_regclass('yclients.clients_phone_prefix_idx') is null then
      create index clients_phone_prefix_idx on yclients.clients (company_id, phone text_pattern_ops);
    end if;
    return 'btree';
  end if;
  -- pg_trgm: substring and similarity search (ILIKE '%анна%', phone LIKE '%4567%')
  if to_regclass('yclients.clients_name_trgm_idx') is null then
    execute format('create index clients_name_trgm_idx on yclients.clients using gin (name %I.gin_trgm_ops)', v_schema);
  end if;
  if to_regclass('yclients.clients_phone_trgm_idx') is null then
    execute format('create index clients_phone_trgm_idx on yclients.clients using gin (phone %I.gin_trgm_ops)', v_schema);
  end if;
  -- the fallback is no longer needed
  if to_regclass('yclients.clients_name_prefix_idx') is not null then
    drop index yclients.clients_name_prefix_idx;
  end if;
  if to_regclass('yclients.clients_phone_prefix_idx') is not null then
    drop index yclients.clients_phone_prefix_idx;
  end if;
  return 'trigram';
end
$$;

select yclients_sync.ensure_search_indexes();

-- the analyst group role (NOLOGIN: people get their own login roles and are granted analyst)
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'analyst') then
    create role analyst nologin;
  end if;
exception
  when insufficient_privilege then
    raise notice 'role analyst could not be created (%): the analytics views are not granted to anyone yet. An administrator can run: CREATE ROLE analyst NOLOGIN;  (then migrate again to grant it the views)', sqlerrm;
  when duplicate_object or unique_violation then
    null; -- created meanwhile by a migration of another database on the same server
end
$$;

create function yclients_sync.grant_analyst() returns boolean
language plpgsql as $$
-- Purpose: give the analyst role what the contract promises: USAGE on analytics and SELECT on its views,
--   nothing in yclients, yclients_staging or yclients_sync (the views read those as their owner).
-- Inputs: none. Returns: false when the role does not exist (yet), true when granted.
-- Idempotency: GRANT is idempotent; call it after every migration that adds a view.
begin
  -- nothing to grant to before an administrator creates the role
  if not exists (select 1 from pg_roles where rolname = 'analyst') then
    return false;
  end if;
  -- the views, and only the views
  grant usage on schema analytics to analyst;
  grant select on all tables in schema analytics to analyst;
  return true;
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- analytics: the analysts' contract. Live rows only (deleted_at is null), no stubs, unless said otherwise.
-- ---------------------------------------------------------------------------------------------------

create view analytics.clients as
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

create view analytics.clients_by_category as
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

create view analytics.clients_by_staff as
select r.company_id,
       r.staff_id,
       s.name as staff_name,
       r.client_id,
       c.name as client_name,
       c.phone as client_phone,
       count(*) as visits,
       min(r.datetime) as first_visit,
       max(r.datetime) as last_visit,
       coalesce(sum(l.cost), 0) as amount
from yclients.records r
join yclients.staff s on s.company_id = r.company_id and s.id = r.staff_id
join yclients.clients c on c.company_id = r.company_id and c.id = r.client_id
left join lateral (
  select sum(rs.cost) as cost
  from yclients.record_services rs
  where rs.company_id = r.company_id and rs.record_id = r.id
) l on true
where r.deleted_at is null and not r.is_stub and r.attendance = 1
group by r.company_id, r.staff_id, s.name, r.client_id, c.name, c.phone;
comment on view analytics.clients_by_staff is 'Who served whom: attended visits (attendance = 1) of live records per staff and client, first/last visit, amount = sum of the services'' cost. Staff and clients show even when deleted or known only from records.';

create view analytics.records as
select r.company_id,
       r.id as record_id,
       r.datetime,
       r.seance_length,
       r.attendance,
       case r.attendance when 2 then 'confirmed' when 1 then 'came' when 0 then 'waiting' when -1 then 'no_show' end
         as attendance_status,
       r.confirmed,
       r.paid_full,
       r.payment_status,
       r.online,
       r.comment,
       r.visit_id,
       r.staff_id,
       s.name as staff_name,
       r.client_id,
       c.name as client_name,
       c.phone as client_phone,
       coalesce(l.titles, '{}'::text[]) as services,
       coalesce(l.ids, '{}'::bigint[]) as service_ids,
       coalesce(l.cost, 0) as cost,
       r.create_date,
       r.last_change_date,
       r.synced_at
from yclients.records r
left join yclients.staff s on s.company_id = r.company_id and s.id = r.staff_id
left join yclients.clients c on c.company_id = r.company_id and c.id = r.client_id
left join lateral (
  select array_agg(coalesce(rs.title, sv.title) order by rs.line_no) as titles,
         array_agg(rs.service_id order by rs.line_no) as ids,
         sum(rs.cost) as cost
  from yclients.record_services rs
  left join yclients.services sv on sv.company_id = rs.company_id and sv.id = rs.service_id
  where rs.company_id = r.company_id and rs.record_id = r.id
) l on true
where r.deleted_at is null and not r.is_stub;
comment on view analytics.records is 'Live records with client and staff names, service titles in line order and their total cost.';

create view analytics.transactions as
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

create view analytics.sync_health as
select k.company_id,
       k.entity,
       st.status,
       st.try_count,
       st.next_try_at,
       st.last_error,
       st.last_id,
       st.last_ordinal,
       st.updated_at as state_updated_at,
       lr.run_id as last_run_id,
       lr.started_at as last_run_started_at,
       lr.finished_at as last_run_finished_at,
       lr.status as last_run_status,
       lr.error as last_run_error,
       ls.finished_at as last_success_at,
       now() - ls.finished_at as lag
from (
  select company_id, entity from yclients_sync.sync_state
  union
  select company_id, entity from yclients_sync.sync_run_entities
) k
left join yclients_sync.sync_state st on st.company_id = k.company_id and st.entity = k.entity
left join lateral (
  select e.run_id, e.started_at, e.finished_at, e.status, e.error
  from yclients_sync.sync_run_entities e
  where e.company_id = k.company_id and e.entity = k.entity
  order by e.started_at desc, e.run_id desc
  limit 1
) lr on true
left join lateral (
  select max(coalesce(e.finished_at, e.started_at)) as finished_at
  from yclients_sync.sync_run_entities e
  where e.company_id = k.company_id and e.entity = k.entity and e.status = 'succeeded'
) ls on true;
comment on view analytics.sync_health is 'Per company and entity: job status, tries, last error, the last run and lag = now() - last success.';

-- grants: the analyst reads the views (when the role exists)
select yclients_sync.grant_analyst();
revoke execute on all functions in schema yclients_sync from public;
