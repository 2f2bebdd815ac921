create or replace function yclients_sync.json_text(p_value jsonb) returns text
language sql immutable parallel safe as $$
  -- strings (empty → null), numbers and booleans as text; objects, arrays and null → null
  select case jsonb_typeof(p_value)
    when 'string' then nullif(p_value #>> '{}', '')
    when 'number' then p_value #>> '{}'
    when 'boolean' then p_value #>> '{}'
  end
$$;
