create or replace function yclients_sync.entity_table(p_entity text, out tbl text, out time_column text)
language plpgsql immutable as $$
-- Purpose: the table in schema yclients that holds a sync_state.entity, and the column a refresh window
--   applies to (records and transactions only).
-- Raises: invalid_parameter_value for an unknown entity (a caller bug).
begin
  select m.tbl, m.time_column into tbl, time_column
  from (values ('positions', 'positions', null), ('staff', 'staff', null),
               ('service_categories', 'service_categories', null), ('services', 'services', null),
               ('client_categories', 'client_categories', null), ('clients', 'clients', null),
               ('accounts', 'accounts', null), ('records', 'records', 'datetime'),
               ('transactions', 'financial_transactions', 'date')) as m(entity, tbl, time_column)
  where m.entity = p_entity;
  if tbl is null then
    raise exception using errcode = 'invalid_parameter_value', message = format('unknown entity %L', p_entity);
  end if;
end
$$;
