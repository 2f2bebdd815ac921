-- 00001: schemas, data tables, sync bookkeeping, staging, and the jsonb parsing helpers.
--
-- yclients          data tables: PK (company_id, id), typed columns + raw jsonb, synced_at, deleted_at, is_stub
-- yclients_staging  UNLOGGED working tables (ids seen during a full refresh)
-- yclients_sync     merge functions, sync_state, sync_runs, sync_run_entities
-- analytics         views: the analysts' only contract (created in a later migration)
--
-- Foreign keys are DEFERRABLE INITIALLY DEFERRED: a merge may land children before the stub parents
-- they need within one transaction, and the check runs at commit.

create schema if not exists yclients;
create schema if not exists yclients_staging;
create schema if not exists yclients_sync;
create schema if not exists analytics;

comment on schema yclients is 'YClients data, one row per (company_id, id). Internal: analysts use the analytics views.';
comment on schema yclients_staging is 'Unlogged working tables of the sync (ids seen during a full refresh).';
comment on schema yclients_sync is 'Merge functions, checkpoints (sync_state) and the run log (sync_runs, sync_run_entities).';
comment on schema analytics is 'Views for analysts: the only stable contract (tables may change, views keep their columns).';

-- ---------------------------------------------------------------------------------------------------
-- jsonb value parsers. The SDK normalises rows first; these still turn quirky values ("" for a date,
-- "0000-00-00", "12.50" as a string, 0/1 as a flag) into null or the right type instead of failing.
-- ---------------------------------------------------------------------------------------------------

create function yclients_sync.json_text(p_value jsonb) returns text
language sql immutable parallel safe as $$
  -- strings (empty → null), numbers and booleans as text; objects, arrays and null → null
  select case jsonb_typeof(p_value)
    when 'string' then nullif(p_value #>> '{}', '')
    when 'number' then p_value #>> '{}'
    when 'boolean' then p_value #>> '{}'
  end
$$;

create function yclients_sync.json_numeric(p_value jsonb) returns numeric
language sql immutable parallel safe as $$
  -- numbers, and strings that hold a decimal number (comma or dot); anything else → null
  select case jsonb_typeof(p_value)
    when 'number' then p_value::numeric
    when 'string' then case when btrim(p_value #>> '{}') ~ '^[+-]?[0-9]{1,30}([.,][0-9]{1,30})?$'
                            then replace(btrim(p_value #>> '{}'), ',', '.')::numeric end
  end
$$;

create function yclients_sync.json_int(p_value jsonb) returns integer
language sql immutable parallel safe as $$
  -- whole numbers within int range (booleans as 0/1); anything else → null
  select case
    when jsonb_typeof(p_value) = 'boolean' then case when p_value::boolean then 1 else 0 end
    when abs(yclients_sync.json_numeric(p_value)) < 2147483648 then trunc(yclients_sync.json_numeric(p_value))::integer
  end
$$;

create function yclients_sync.json_id(p_value jsonb) returns bigint
language sql immutable parallel safe as $$
  -- a YClients id: a positive whole number (0 and negatives mean "none" upstream) → bigint, else null
  select case when yclients_sync.json_numeric(p_value) between 1 and 9223372036854775807
              then trunc(yclients_sync.json_numeric(p_value))::bigint end
$$;

create function yclients_sync.json_bool(p_value jsonb) returns boolean
language sql immutable parallel safe as $$
  -- true/false, 0/1 (any non-zero number is true) and their string forms; anything else → null
  select case jsonb_typeof(p_value)
    when 'boolean' then p_value::boolean
    when 'number' then p_value::numeric <> 0
    when 'string' then case
      when lower(btrim(p_value #>> '{}')) in ('1', 'true', 't', 'yes', 'y', 'on') then true
      when lower(btrim(p_value #>> '{}')) in ('0', 'false', 'f', 'no', 'n', 'off') then false end
  end
$$;

create function yclients_sync.json_timestamptz(p_value jsonb) returns timestamptz
language sql stable parallel safe as $$
  -- ISO 8601 date-times (offset optional, "T" or space), unix seconds as a number; "", "0000-00-00 …" → null
  select case jsonb_typeof(p_value)
    when 'string' then case
      when btrim(p_value #>> '{}') ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
        then btrim(p_value #>> '{}')::timestamptz end
    when 'number' then case when p_value::numeric > 0 and p_value::numeric < 32503680000
                            then to_timestamp(p_value::numeric::double precision) end
  end
$$;

create function yclients_sync.json_date(p_value jsonb) returns date
language sql stable parallel safe as $$
  -- YYYY-MM-DD (a time part is ignored) or DD.MM.YYYY; "", "0000-00-00" → null
  select case
    when jsonb_typeof(p_value) <> 'string' then null
    when btrim(p_value #>> '{}') ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T].*)?$'
      then to_date(left(btrim(p_value #>> '{}'), 10), 'YYYY-MM-DD')
    when btrim(p_value #>> '{}') ~ '^(0[1-9]|[12][0-9]|3[01])\.(0[1-9]|1[0-2])\.[0-9]{4}$'
      then to_date(btrim(p_value #>> '{}'), 'DD.MM.YYYY')
  end
$$;

create function yclients_sync.json_array(p_value jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the value when it is an array, else an empty array (null, {}, "" stand for "none")
  select case when jsonb_typeof(p_value) = 'array' then p_value else '[]'::jsonb end
$$;

create function yclients_sync.json_object(p_value jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the value when it is an object, else null ([] stands for "none" in YClients payloads)
  select case when jsonb_typeof(p_value) = 'object' then p_value end
$$;

create function yclients_sync.dedupe_page(p_rows jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the page's rows that have an id, one per id (the last occurrence wins), in page order
  select coalesce(jsonb_agg(d.r order by d.n), '[]'::jsonb)
  from (
    select distinct on (yclients_sync.json_id(e.r -> 'id')) e.r, e.n
    from jsonb_array_elements(yclients_sync.json_array(p_rows)) with ordinality as e(r, n)
    where yclients_sync.json_id(e.r -> 'id') is not null
    order by yclients_sync.json_id(e.r -> 'id'), e.n desc
  ) d
$$;

-- ---------------------------------------------------------------------------------------------------
-- Data tables (schema yclients)
-- ---------------------------------------------------------------------------------------------------

create table yclients.positions (
  company_id bigint not null,
  id bigint not null,
  title text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.positions is 'Staff positions (spec 3.1).';

create table yclients.staff (
  company_id bigint not null,
  id bigint not null,
  name text,
  specialization text,
  position_id bigint,
  fired boolean,
  hidden boolean,
  user_id bigint,
  weight integer,
  api_id text,
  dismissal_date date,
  avatar text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id),
  foreign key (company_id, position_id) references yclients.positions (company_id, id)
    deferrable initially deferred
);
comment on table yclients.staff is 'Staff / masters (spec 3). deleted_at is set when YClients flags the master deleted.';
create index staff_position_idx on yclients.staff (company_id, position_id);

create table yclients.service_categories (
  company_id bigint not null,
  id bigint not null,
  title text,
  weight integer,
  api_id text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.service_categories is 'Service categories.';

create table yclients.services (
  company_id bigint not null,
  id bigint not null,
  category_id bigint,
  title text,
  price_min numeric,
  price_max numeric,
  duration_seconds integer,
  active boolean,
  weight integer,
  comment text,
  api_id text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id),
  foreign key (company_id, category_id) references yclients.service_categories (company_id, id)
    deferrable initially deferred
);
comment on table yclients.services is 'Services (spec 4).';
create index services_category_idx on yclients.services (company_id, category_id);

create table yclients.service_staff (
  company_id bigint not null,
  service_id bigint not null,
  staff_id bigint not null,
  seance_length integer,
  price numeric,
  primary key (company_id, service_id, staff_id),
  foreign key (company_id, service_id) references yclients.services (company_id, id)
    on delete cascade deferrable initially deferred,
  foreign key (company_id, staff_id) references yclients.staff (company_id, id)
    deferrable initially deferred
);
comment on table yclients.service_staff is 'Who performs each service (spec 4.1); seance_length in seconds.';
create index service_staff_staff_idx on yclients.service_staff (company_id, staff_id);

create table yclients.client_categories (
  company_id bigint not null,
  id bigint not null,
  title text,
  color text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.client_categories is 'Every client label of the company (spec 2.1), used or not; deleted labels soft-deleted.';

create table yclients.clients (
  company_id bigint not null,
  id bigint not null,
  name text,
  surname text,
  patronymic text,
  phone text,
  email text,
  card text,
  birth_date date,
  comment text,
  discount numeric,
  sex_id integer,
  sex text,
  sms_check boolean,
  sms_bot boolean,
  sms_not boolean,
  balance numeric,
  importance_id integer,
  importance text,
  spent numeric,
  visits integer,
  last_change_date timestamptz,
  custom_fields jsonb,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.clients is 'Clients (spec 2); phone as + and digits when it parses as a phone.';

create table yclients.client_category_links (
  company_id bigint not null,
  client_id bigint not null,
  category_id bigint not null,
  primary key (company_id, client_id, category_id),
  foreign key (company_id, client_id) references yclients.clients (company_id, id)
    on delete cascade deferrable initially deferred,
  foreign key (company_id, category_id) references yclients.client_categories (company_id, id)
    deferrable initially deferred
);
comment on table yclients.client_category_links is 'Client ↔ category (spec 2.1), replaced to match upstream when the client changes.';
create index client_category_links_category_idx on yclients.client_category_links (company_id, category_id, client_id);

create table yclients.accounts (
  company_id bigint not null,
  id bigint not null,
  title text,
  type integer,
  is_cash boolean,
  comment text,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.accounts is 'Cash desks and non-cash accounts (spec 5.2).';

create table yclients.records (
  company_id bigint not null,
  id bigint not null,
  datetime timestamptz,
  create_date timestamptz,
  last_change_date timestamptz,
  seance_length integer,
  attendance integer,
  visit_attendance integer,
  confirmed boolean,
  paid_full boolean,
  payment_status text,
  online boolean,
  comment text,
  visit_id bigint,
  staff_id bigint,
  client_id bigint,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id),
  foreign key (company_id, staff_id) references yclients.staff (company_id, id)
    deferrable initially deferred,
  foreign key (company_id, client_id) references yclients.clients (company_id, id)
    deferrable initially deferred
);
comment on table yclients.records is 'Records / visits (spec 1). attendance: 2 confirmed, 1 came, 0 waiting, -1 no-show; seance_length in seconds.';
create index records_datetime_idx on yclients.records (company_id, datetime);
create index records_staff_client_idx on yclients.records (company_id, staff_id, client_id)
  include (datetime, attendance, deleted_at);
create index records_client_idx on yclients.records (company_id, client_id, datetime);

create table yclients.record_services (
  company_id bigint not null,
  record_id bigint not null,
  line_no integer not null,
  service_id bigint,
  title text,
  cost numeric,
  first_cost numeric,
  discount numeric,
  amount numeric,
  cost_per_unit numeric,
  manual_cost numeric,
  primary key (company_id, record_id, line_no),
  foreign key (company_id, record_id) references yclients.records (company_id, id)
    on delete cascade deferrable initially deferred,
  foreign key (company_id, service_id) references yclients.services (company_id, id)
    deferrable initially deferred
);
comment on table yclients.record_services is 'Services of a record, one line each (line_no: position in the record; a service can appear twice).';
create index record_services_service_idx on yclients.record_services (company_id, service_id);

create table yclients.expense_categories (
  company_id bigint not null,
  id bigint not null,
  title text,
  type integer,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  is_stub boolean not null default false,
  primary key (company_id, id)
);
comment on table yclients.expense_categories is 'Expense / income categories (spec 5.1), derived from transactions and kept when those go.';

create table yclients.financial_transactions (
  company_id bigint not null,
  id bigint not null,
  date timestamptz,
  amount numeric,
  comment text,
  expense_category_id bigint,
  account_id bigint,
  client_id bigint,
  record_id bigint,
  master_id bigint,
  supplier_id bigint,
  document_id bigint,
  visit_id bigint,
  sold_item_type text,
  sold_item_id bigint,
  last_change_date timestamptz,
  raw jsonb not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  primary key (company_id, id),
  foreign key (company_id, expense_category_id) references yclients.expense_categories (company_id, id)
    deferrable initially deferred,
  foreign key (company_id, account_id) references yclients.accounts (company_id, id)
    deferrable initially deferred,
  foreign key (company_id, client_id) references yclients.clients (company_id, id)
    deferrable initially deferred,
  foreign key (company_id, record_id) references yclients.records (company_id, id)
    deferrable initially deferred,
  foreign key (company_id, master_id) references yclients.staff (company_id, id)
    deferrable initially deferred
);
comment on table yclients.financial_transactions is 'Financial transactions (spec 5); master_id is the staff member.';
create index financial_transactions_date_idx on yclients.financial_transactions (company_id, date);
create index financial_transactions_account_idx on yclients.financial_transactions (company_id, account_id, date);
create index financial_transactions_client_idx on yclients.financial_transactions (company_id, client_id);
create index financial_transactions_record_idx on yclients.financial_transactions (company_id, record_id);
create index financial_transactions_expense_idx on yclients.financial_transactions (company_id, expense_category_id);
create index financial_transactions_master_idx on yclients.financial_transactions (company_id, master_id);

-- ---------------------------------------------------------------------------------------------------
-- Sync bookkeeping (schema yclients_sync)
-- ---------------------------------------------------------------------------------------------------

create table yclients_sync.sync_state (
  company_id bigint not null,
  entity text not null check (entity in ('positions', 'staff', 'service_categories', 'services',
    'client_categories', 'clients', 'accounts', 'records', 'transactions')),
  last_id bigint,
  last_ordinal bigint,
  page_size integer,
  cursor jsonb,
  status text not null default 'waiting'
    check (status in ('waiting', 'in_progress', 'retry_waiting', 'error', 'succeeded')),
  try_count integer not null default 0,
  next_try_at timestamptz,
  last_error text,
  updated_at timestamptz not null default now(),
  primary key (company_id, entity)
);
comment on table yclients_sync.sync_state is 'Spec table 6: per (company, entity) the last stored id and its ordinal, page size, change cursor, job status.';

create table yclients_sync.sync_runs (
  id bigserial primary key,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null default 'running'
    check (status in ('running', 'succeeded', 'partial', 'failed', 'abandoned')),
  pid integer,
  host text,
  options jsonb not null default '{}',
  error text
);
comment on table yclients_sync.sync_runs is 'One row per sync run.';
create index sync_runs_status_idx on yclients_sync.sync_runs (status, started_at);

create table yclients_sync.sync_run_entities (
  run_id bigint not null references yclients_sync.sync_runs (id) on delete cascade,
  company_id bigint not null,
  entity text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null default 'running',
  pages integer not null default 0,
  rows_fetched bigint not null default 0,
  inserted bigint not null default 0,
  updated bigint not null default 0,
  deleted bigint not null default 0,
  unchanged bigint not null default 0,
  requests integer not null default 0,
  error text,
  primary key (run_id, company_id, entity)
);
comment on table yclients_sync.sync_run_entities is 'One row per entity and company in a run; merge functions add their page counts here.';
create index sync_run_entities_entity_idx on yclients_sync.sync_run_entities (company_id, entity, started_at);

-- ---------------------------------------------------------------------------------------------------
-- Staging (schema yclients_staging): unlogged, rebuilt from the API if lost
-- ---------------------------------------------------------------------------------------------------

create unlogged table yclients_staging.seen_ids (
  company_id bigint not null,
  entity text not null,
  refresh_id bigint not null,
  id bigint not null,
  primary key (company_id, entity, refresh_id, id)
);
comment on table yclients_staging.seen_ids is 'Ids returned by upstream during a full refresh; finish_refresh soft-deletes the live rows not in it.';
