create or replace function yclients_sync.refresh_seen_lost(
  p_company_id bigint, p_entity text, p_refresh_id bigint
) returns boolean
language plpgsql stable as $$
-- Purpose: true when the ids seen by an open refresh are fewer than sync_state counted: the set was lost
--   (a crash of an unlogged set, a failover, a truncate) and the refresh must be read again before it may
--   delete anything. False when the refresh is not the one sync_state tracks (nothing to compare).
declare
  v_expected bigint;
  v_found bigint;
begin
  select s.refresh_seen into v_expected from yclients_sync.sync_state s
  where s.company_id = p_company_id and s.entity = p_entity and s.refresh_id = p_refresh_id;
  if v_expected is null or v_expected = 0 then
    return false;
  end if;
  select count(*) into v_found from yclients_staging.seen_ids
  where company_id = p_company_id and entity = p_entity and refresh_id = p_refresh_id;
  return v_found < v_expected;
end
$$;
