create or replace function yclients_sync.merge_service_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of service categories ({id, title, weight, api_id, raw}).
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (always 0: no deleted flag upstream) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones (or stubs, or soft-deleted ones) updated, the rest untouched
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_int(r -> 'weight') as weight,
           yclients_sync.json_text(r -> 'api_id') as api_id,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.service_categories as t (company_id, id, title, weight, api_id, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, weight, api_id, raw, now(), null, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, weight = excluded.weight, api_id = excluded.api_id, raw = excluded.raw,
      synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    where (t.title, t.weight, t.api_id, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.weight, excluded.api_id, excluded.raw, true, false)
    returning t.id, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new), count(*) filter (where not u.is_new), 0
  into v_ins, v_upd, v_del
  from up u;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'service_categories', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;
