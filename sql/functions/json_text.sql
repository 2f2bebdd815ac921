create or replace function yclients_sync.json_text(p_value jsonb) returns text
language sql immutable parallel safe as $$
  -- strings exactly as sent ("", whitespace and "null" are text: design §9), numbers and booleans as
  -- text; objects, arrays and null → null
  select case jsonb_typeof(p_value)
    when 'string' then p_value #>> '{}'
    when 'number' then p_value #>> '{}'
    when 'boolean' then p_value #>> '{}'
  end
$$;
