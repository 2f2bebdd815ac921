create or replace function yclients_sync.finish_page(
  p_company_id bigint, p_run_id bigint, p_entity text, p_page jsonb, p_fetched integer, p_inserted integer,
  p_updated integer, p_unchanged integer, p_deleted integer, p_state jsonb, p_refresh_id bigint
) returns void
language plpgsql as $$
-- Purpose: the bookkeeping after a page, for a caller that holds the page as jsonb (writeCheckpoint in
--   sql/src/sync-state.ts: no rows, only a checkpoint). The merges call finish_merge with the ids they
--   already read; this is the same thing with the ids taken from p_page.
-- Inputs: the entity, the de-duplicated page (p_page), the rows received (p_fetched, before de-duplication),
--   the merge's counts, the checkpoint (p_state: {last_id, last_ordinal, page_size, cursor, and optionally
--   status, try_count, next_try_at, last_error}) and the refresh id.
-- Returns: nothing. Idempotency: as finish_merge (sync_state an upsert, seen ids a set, run counters add up).
begin
  perform yclients_sync.finish_merge(p_company_id, p_run_id, p_entity,
    case when p_refresh_id is not null
      then array(select yclients_sync.json_id(r -> 'id') from jsonb_array_elements(p_page) as r) end,
    p_fetched, p_inserted, p_updated, p_unchanged, p_deleted, p_state, p_refresh_id);
end
$$;
