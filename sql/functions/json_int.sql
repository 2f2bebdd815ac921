create or replace function yclients_sync.json_int(p_value jsonb) returns integer
language sql immutable parallel safe as $$
  -- whole numbers within int range (booleans as 0/1); anything else → null
  select case
    when jsonb_typeof(p_value) = 'boolean' then case when p_value::boolean then 1 else 0 end
    when abs(yclients_sync.json_numeric(p_value)) < 2147483648 then trunc(yclients_sync.json_numeric(p_value))::integer
  end
$$;
