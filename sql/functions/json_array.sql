create or replace function yclients_sync.json_array(p_value jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the value when it is an array, else an empty array (null, {}, "" stand for "none")
  select case when jsonb_typeof(p_value) = 'array' then p_value else '[]'::jsonb end
$$;
