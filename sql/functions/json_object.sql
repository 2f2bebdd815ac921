create or replace function yclients_sync.json_object(p_value jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the value when it is an object, else null ([] stands for "none" in YClients payloads)
  select case when jsonb_typeof(p_value) = 'object' then p_value end
$$;
