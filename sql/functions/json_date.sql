create or replace function yclients_sync.json_date(p_value jsonb) returns date
language sql stable parallel safe as $$
  -- YYYY-MM-DD (a time part is ignored) or DD.MM.YYYY; "", "0000-00-00" → null
  select case
    when jsonb_typeof(p_value) <> 'string' then null
    when btrim(p_value #>> '{}') ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T].*)?$'
      then to_date(left(btrim(p_value #>> '{}'), 10), 'YYYY-MM-DD')
    when btrim(p_value #>> '{}') ~ '^(0[1-9]|[12][0-9]|3[01])\.(0[1-9]|1[0-2])\.[0-9]{4}$'
      then to_date(btrim(p_value #>> '{}'), 'DD.MM.YYYY')
  end
$$;
