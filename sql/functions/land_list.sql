create or replace function yclients_sync.land_list(
  p_company_id bigint,
  p_run_id bigint,
  p_entity text,
  p_rows jsonb,
  p_state jsonb,
  p_refresh_id bigint,
  p_rejected jsonb,
  p_repaired integer,
  p_max_rows integer,
  p_max_fraction numeric,
  p_confirmed boolean,
  p_reread boolean,
  p_unidentified integer
) returns table (inserted integer, updated integer, unchanged integer, deleted integer, quarantined integer,
                 verdict text, removed integer, unseen integer, live integer, sample bigint[])
language plpgsql as $$
-- Purpose: a whole list that comes in one answer (a small catalog): land_page, then finish_refresh with
--   its guards, in one call, so a catalog costs one round trip. A catalog has no total to prove an answer
--   complete, so any row it no longer lists is suspicious: read again, and deleted a run later.
-- Returns: land_page's counts (deleted: rows the page flagged deleted) and finish_refresh's verdict
--   (removed: rows soft-deleted because upstream no longer returned them).
declare
  v_page record;
  v_finish record;
begin
  select * into v_page from yclients_sync.land_page(p_company_id, p_run_id, p_entity, p_rows, p_state,
    p_refresh_id, p_rejected, p_repaired);
  select * into v_finish from yclients_sync.finish_refresh(p_company_id, p_entity, p_refresh_id, null, null,
    p_max_rows, p_max_fraction, p_confirmed, p_reread, p_unidentified, true);
  inserted := v_page.inserted;
  updated := v_page.updated;
  unchanged := v_page.unchanged;
  deleted := v_page.deleted;
  removed := v_finish.deleted;
  quarantined := v_page.quarantined;
  verdict := v_finish.verdict;
  unseen := v_finish.unseen;
  live := v_finish.live;
  sample := v_finish.sample;
  return next;
end
$$;
