create or replace function yclients_sync.land_page(
  p_company_id bigint,
  p_run_id bigint,
  p_entity text,
  p_rows jsonb,
  p_state jsonb default null,
  p_refresh_id bigint default null,
  p_rejected jsonb default '[]',
  p_repaired integer default 0
) returns table (inserted integer, updated integer, unchanged integer, deleted integer, quarantined integer)
language plpgsql as $$
-- Purpose: one API page into the database in one call (one round trip, one transaction): the rows the
--   SDK could normalise through merge_<entity> (which also moves the checkpoint p_state and remembers the
--   ids for the refresh p_refresh_id), the rows it rejected through quarantine_page.
-- Returns: the merge's counts and the number of rows quarantined.
declare
  v_entity record;
begin
  perform yclients_sync.entity_table(p_entity); -- an unknown entity is a caller bug, not an identifier
  execute format('select * from yclients_sync.%I($1, $2, $3, $4, $5)', 'merge_' || p_entity)
  into v_entity
  using p_company_id, p_run_id, p_rows, p_state, p_refresh_id;
  inserted := v_entity.inserted;
  updated := v_entity.updated;
  unchanged := v_entity.unchanged;
  deleted := v_entity.deleted;
  quarantined := yclients_sync.quarantine_page(p_company_id, p_run_id, p_entity, p_refresh_id,
    coalesce(p_rejected, '[]'::jsonb), array(select r.id from jsonb_to_recordset(p_rows) as r(id bigint)),
    coalesce(p_repaired, 0));
  return next;
end
$$;
