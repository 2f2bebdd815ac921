-- 00008: deletes a suspicious read wants wait for a second run (design §9 "Distrust of upstream").
-- A read that would remove more than the brake's share of a scope (or everything), re-read in the same
-- run with the same answer, is believed only when a later run sees it too: a burst of bad answers within
-- one run (two short answers in a row, as the chaos runs produced) never deletes. finish_refresh keeps
-- the rows it would have deleted here until a later refresh confirms them or sees them again.
create table yclients_sync.pending_deletes (
  company_id bigint not null,
  entity text not null,
  id bigint not null,
  noted_at timestamptz not null default now(),
  primary key (company_id, entity, id)
);
comment on table yclients_sync.pending_deletes is
  'Rows a suspicious refresh found gone, waiting for a later run to confirm before they are soft-deleted.';
