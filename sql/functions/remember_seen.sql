create or replace function yclients_sync.remember_seen(
  p_company_id bigint, p_entity text, p_refresh_id bigint, p_ids bigint[]
) returns integer
language plpgsql as $$
-- Purpose: add ids to the set a refresh has seen (yclients_staging.seen_ids) and count the new ones in
--   sync_state.refresh_seen, in the caller's transaction (the page's). The count is what makes the set
--   checkable: a resume, or finish_refresh, that finds fewer ids than counted knows the set was lost
--   (a crash, a failover, a truncate) and re-reads instead of deleting.
-- Returns: how many of p_ids were new to the set. Idempotency: a set; the same ids again add nothing.
declare
  v_new integer;
begin
  if p_refresh_id is null then
    return 0;
  end if;
  with added as (
    insert into yclients_staging.seen_ids (company_id, entity, refresh_id, id)
    select p_company_id, p_entity, p_refresh_id, i from unnest(p_ids) as i where i is not null
    on conflict do nothing
    returning 1
  )
  select count(*)::integer into v_new from added;
  update yclients_sync.sync_state s
     set refresh_seen = case when s.refresh_id = p_refresh_id then s.refresh_seen + v_new else v_new end,
         refresh_id = p_refresh_id
   where s.company_id = p_company_id and s.entity = p_entity
     and (v_new > 0 or s.refresh_id is distinct from p_refresh_id);
  return v_new;
end
$$;
