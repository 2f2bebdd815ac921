create or replace function yclients_sync.forget_refresh(p_company_id bigint, p_entity text)
returns void
language plpgsql as $$
-- Purpose: start an entity's refresh over: drop every id its refreshes have seen and reset the count in
--   sync_state. Called when a resume finds the seen set short (refresh_seen_lost), before reading the
--   scope again from its first page.
begin
  delete from yclients_staging.seen_ids s where s.company_id = p_company_id and s.entity = p_entity;
  update yclients_sync.sync_state s set refresh_id = null, refresh_seen = 0
  where s.company_id = p_company_id and s.entity = p_entity;
end
$$;
