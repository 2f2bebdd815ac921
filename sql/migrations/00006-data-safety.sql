-- 00006: what the sync needs so that no bad answer and no crash turns into lost data (issue 12;
-- design.md §9 "Distrust of upstream").
--
-- * seen_ids becomes a logged table: an unlogged table is emptied by a crash of PostgreSQL or a failover,
--   and a resumed refresh would then soft-delete everything it read before the crash. sync_state counts
--   the ids the current refresh has seen (refresh_id, refresh_seen), so a set found short is detected
--   whatever happened to it.
-- * yclients_sync.quarantine keeps the rows no database can store (ids that are not ids, null rows,
--   records without a usable time), one row per upstream row, instead of failing their page.
-- * sync_run_entities counts quarantined and repaired rows and the soft-deletes a refresh withheld.
-- * finish_refresh gets a new signature (the guards); the old one is dropped here and the function is
--   defined in sql/functions/finish_refresh.sql, which migrate() applies after the migrations.

alter table yclients_staging.seen_ids set logged;
comment on table yclients_staging.seen_ids is
  'Ids returned by upstream during a refresh; finish_refresh soft-deletes the live rows not in it. Logged: it must survive a crash (sync_state.refresh_seen says how many ids it should hold).';

alter table yclients_sync.sync_state
  add column refresh_id bigint,
  add column refresh_seen bigint not null default 0;
comment on column yclients_sync.sync_state.refresh_id is 'The refresh whose ids are being collected in yclients_staging.seen_ids (null when none is open).';
comment on column yclients_sync.sync_state.refresh_seen is 'How many distinct ids that refresh has seen: a resume that finds fewer in seen_ids re-reads instead of deleting.';

alter table yclients_sync.sync_run_entities
  add column quarantined bigint not null default 0,
  add column repaired bigint not null default 0,
  add column withheld bigint not null default 0;
comment on column yclients_sync.sync_run_entities.quarantined is 'Rows of this entity put in yclients_sync.quarantine by this run.';
comment on column yclients_sync.sync_run_entities.repaired is 'Characters no database can store, fixed in the rows of this run: U+0000 dropped, lone surrogates replaced by U+FFFD.';
comment on column yclients_sync.sync_run_entities.withheld is 'Soft-deletes a refresh of this run did not make because they looked like a mass delete (confirm with --confirm-deletes).';

create table yclients_sync.quarantine (
  company_id bigint not null,
  entity text not null check (entity in ('positions', 'staff', 'service_categories', 'services',
    'client_categories', 'clients', 'accounts', 'records', 'transactions')),
  -- the upstream id as text, or 'row:' and the md5 of the row text for a row without a usable id
  row_key text not null,
  upstream_id bigint,
  reason text not null,
  row_text text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  first_run_id bigint,
  last_run_id bigint,
  times_seen integer not null default 1,
  primary key (company_id, entity, row_key)
);
comment on table yclients_sync.quarantine is
  'Rows upstream sent that cannot be stored (no usable id, a null row, a record without a usable time): kept as text with the reason, instead of failing their page. A row that later arrives clean leaves the quarantine.';
create index quarantine_upstream_idx on yclients_sync.quarantine (company_id, entity, upstream_id)
  where upstream_id is not null;

drop function yclients_sync.finish_refresh(bigint, text, bigint, timestamptz, timestamptz);
