create or replace function yclients_sync.grant_analyst() returns boolean
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
