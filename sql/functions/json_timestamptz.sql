create or replace function yclients_sync.json_timestamptz(p_value jsonb) returns timestamptz
language sql stable parallel safe as $$
  -- ISO 8601 date-times (offset optional, "T" or space), unix seconds as a number; "", "0000-00-00 …" → null
  select case jsonb_typeof(p_value)
    when 'string' then case
      when btrim(p_value #>> '{}') ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
        then btrim(p_value #>> '{}')::timestamptz end
    when 'number' then case when p_value::numeric > 0 and p_value::numeric < 32503680000
                            then to_timestamp(p_value::numeric::double precision) end
  end
$$;
