create or replace function yclients_sync.json_numeric(p_value jsonb) returns numeric
language sql immutable parallel safe as $$
  -- numbers, and strings that hold a decimal number (comma or dot); anything else → null
  select case jsonb_typeof(p_value)
    when 'number' then p_value::numeric
    when 'string' then case when btrim(p_value #>> '{}') ~ '^[+-]?[0-9]{1,30}([.,][0-9]{1,30})?$'
                            then replace(btrim(p_value #>> '{}'), ',', '.')::numeric end
  end
$$;
