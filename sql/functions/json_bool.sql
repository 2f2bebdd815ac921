create or replace function yclients_sync.json_bool(p_value jsonb) returns boolean
language sql immutable parallel safe as $$
  -- true/false, 0/1 (any non-zero number is true) and their string forms; anything else → null
  select case jsonb_typeof(p_value)
    when 'boolean' then p_value::boolean
    when 'number' then p_value::numeric <> 0
    when 'string' then case
      when lower(btrim(p_value #>> '{}')) in ('1', 'true', 't', 'yes', 'y', 'on') then true
      when lower(btrim(p_value #>> '{}')) in ('0', 'false', 'f', 'no', 'n', 'off') then false end
  end
$$;
