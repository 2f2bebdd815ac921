create or replace function yclients_sync.merge_client_categories(
  p_company_id bigint, p_run_id bigint, p_rows jsonb, p_state jsonb default null, p_refresh_id bigint default null
) returns table (inserted integer, updated integer, unchanged integer, deleted integer)
language plpgsql as $$
-- Purpose: merge one page of client labels ({id, title, color, deleted, raw}) into yclients.client_categories;
--   `deleted: true` sets deleted_at (kept if already set), a live row clears it.
-- Inputs: company, run id, the page, optional checkpoint and refresh id.
-- Returns: inserted / updated / unchanged / deleted (newly flagged deleted) counts.
-- Idempotency: merging the same page again writes no data row.
#variable_conflict use_column
declare
  v_page jsonb := yclients_sync.dedupe_page(p_rows);
  v_ins integer; v_upd integer; v_del integer;
begin
  -- upsert: new rows inserted, changed ones updated, the rest untouched; the deleted flag drives deleted_at
  with src as (
    select p_company_id as company_id, yclients_sync.json_id(r -> 'id') as id,
           yclients_sync.json_text(r -> 'title') as title,
           yclients_sync.json_text(r -> 'color') as color,
           coalesce(yclients_sync.json_object(r -> 'raw'), r) as raw,
           case when coalesce(yclients_sync.json_bool(r -> 'deleted'), false) then now() end as deleted_at
    from jsonb_array_elements(v_page) as r
  ), up as (
    insert into yclients.client_categories as t (company_id, id, title, color, raw, synced_at, deleted_at, is_stub)
    select company_id, id, title, color, raw, now(), deleted_at, false from src
    on conflict (company_id, id) do update set
      title = excluded.title, color = excluded.color, raw = excluded.raw, synced_at = excluded.synced_at,
      is_stub = false,
      deleted_at = case when excluded.deleted_at is null then null else coalesce(t.deleted_at, excluded.deleted_at) end
    where (t.title, t.color, t.raw, t.deleted_at is null, t.is_stub)
      is distinct from (excluded.title, excluded.color, excluded.raw, excluded.deleted_at is null, false)
    returning t.id, t.deleted_at, t.xmax = 0 as is_new
  )
  select count(*) filter (where u.is_new),
         count(*) filter (where not u.is_new and not (u.deleted_at is not null and p.deleted_at is null)),
         count(*) filter (where not u.is_new and u.deleted_at is not null and p.deleted_at is null)
  into v_ins, v_upd, v_del
  from up u
  -- deleted_at before this statement (same snapshot), needed only for updated rows now flagged deleted: one
  -- primary-key probe each (LATERAL … OFFSET 0 stays a per-row lookup, never a join over the company)
  left join lateral (
    select t.deleted_at from yclients.client_categories t
    where not u.is_new and u.deleted_at is not null and t.company_id = p_company_id and t.id = u.id
    offset 0
  ) p on true;
  -- bookkeeping: checkpoint, seen ids, run counters
  perform yclients_sync.finish_page(p_company_id, p_run_id, 'client_categories', v_page,
    jsonb_array_length(yclients_sync.json_array(p_rows)), v_ins, v_upd,
    jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del, p_state, p_refresh_id);
  return query select v_ins, v_upd, jsonb_array_length(v_page) - v_ins - v_upd - v_del, v_del;
end
$$;
