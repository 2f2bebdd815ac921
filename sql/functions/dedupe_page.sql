create or replace function yclients_sync.dedupe_page(p_rows jsonb) returns jsonb
language sql immutable parallel safe as $$
  -- the page's rows that have an id, one per id (the last occurrence wins), in page order; a page that is
  -- already like that (every row has an id, no id twice: the usual case) is returned as it is
  select case
    when (select count(distinct yclients_sync.json_id(e.r -> 'id'))
          from jsonb_array_elements(yclients_sync.json_array(p_rows)) as e(r))
         = jsonb_array_length(yclients_sync.json_array(p_rows))
      then yclients_sync.json_array(p_rows)
    else (
      select coalesce(jsonb_agg(d.r order by d.n), '[]'::jsonb)
      from (
        select distinct on (yclients_sync.json_id(e.r -> 'id')) e.r, e.n
        from jsonb_array_elements(yclients_sync.json_array(p_rows)) with ordinality as e(r, n)
        where yclients_sync.json_id(e.r -> 'id') is not null
        order by yclients_sync.json_id(e.r -> 'id'), e.n desc
      ) d)
  end
$$;
