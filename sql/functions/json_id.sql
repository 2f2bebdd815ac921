create or replace function yclients_sync.json_id(p_value jsonb) returns bigint
language sql immutable parallel safe as $$
  -- a YClients id: a positive whole number (0 and negatives mean "none" upstream) → bigint, else null
  select case when yclients_sync.json_numeric(p_value) between 1 and 9223372036854775807
              then trunc(yclients_sync.json_numeric(p_value))::bigint end
$$;
