create or replace function yclients_sync.finish_merge(
  p_company_id bigint, p_run_id bigint, p_entity text, p_ids bigint[], p_fetched integer, p_inserted integer,
  p_updated integer, p_unchanged integer, p_deleted integer, p_state jsonb, p_refresh_id bigint
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: the end every merge_<entity> shares (and finish_page's body): the bookkeeping of a landed page
--   in the page's own transaction, then the merge's result row.
-- Inputs: the entity; p_ids, the ids of the page's rows after de-duplication (the refresh has seen them);
--   p_fetched, the rows received (before de-duplication; null: none); the merge's counts; the checkpoint (p_state:
--   {last_id, last_ordinal, page_size, cursor, and optionally status, try_count, next_try_at, last_error});
--   the refresh id.
-- Returns: the counts as given, one row (merge_<entity> returns it as its own).
-- Idempotency: sync_state is an upsert (same state → same row); seen ids are a set; the run counters add
--   up on every call (a repeated page is counted twice, as it was fetched twice).
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
  -- seen ids: what upstream returned under this refresh, for finish_refresh (counted in sync_state)
  if p_refresh_id is not null then
    perform yclients_sync.remember_seen(p_company_id, p_entity, p_refresh_id, p_ids);
  end if;
  -- run counters: one more page and its counts for (run, company, entity)
  if p_run_id is not null then
    insert into yclients_sync.sync_run_entities as e
      (run_id, company_id, entity, pages, rows_fetched, inserted, updated, unchanged, deleted)
    values (p_run_id, p_company_id, p_entity, 1, coalesce(p_fetched, 0), p_inserted, p_updated, p_unchanged, p_deleted)
    on conflict (run_id, company_id, entity) do update set
      pages = e.pages + 1,
      rows_fetched = e.rows_fetched + excluded.rows_fetched,
      inserted = e.inserted + excluded.inserted,
      updated = e.updated + excluded.updated,
      unchanged = e.unchanged + excluded.unchanged,
      deleted = e.deleted + excluded.deleted;
  end if;
  inserted := p_inserted;
  updated := p_updated;
  unchanged := p_unchanged;
  deleted := p_deleted;
  return next;
end
$$;
