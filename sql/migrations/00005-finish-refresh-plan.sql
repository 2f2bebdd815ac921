-- 00005: finish_refresh probes the seen ids by their whole key.
--
-- Found by the memory benchmark (a 30,000-record full sync spent 15 s in each of two window refreshes,
-- the merges under 0.4 s a page): without statistics on the just-filled staging table (autovacuum had not
-- run, or is off) the planner turned `not exists (… s.id = t.id)` into a nested-loop anti join whose inner
-- side scanned the refresh's whole range of seen_ids for every live row and filtered on id afterwards:
-- quadratic (29,268 rows × 14,674 on average = 430 million comparisons, 77 s under EXPLAIN ANALYZE).
-- `offset 0` keeps the subquery a per-row subplan, so `s.id = t.id` is part of the index condition of the
-- primary key (company_id, entity, refresh_id, id): one probe per live row, whatever the estimates.
-- Behaviour is unchanged (same rows soft-deleted, same count, seen ids cleared).

create or replace function yclients_sync.finish_refresh(
  p_company_id bigint, p_entity text, p_refresh_id bigint, p_from timestamptz default null, p_to timestamptz default null
) returns integer
language plpgsql as $$
-- Purpose: end a full refresh of one entity: soft-delete (set deleted_at) the live rows of the company that
--   upstream did not return under p_refresh_id, then forget that refresh's seen ids. Rows that were seen are
--   never touched. With a window, only rows whose records.datetime / financial_transactions.date lies in
--   [p_from, p_to) are considered (either bound may be null = open).
-- Inputs: company, entity (a sync_state.entity value), the refresh id given to the merges, optional window.
-- Returns: the number of rows soft-deleted.
-- Idempotency: a second call finds no seen ids (cleared), so call it once, after the last page.
declare
  v_table text;
  v_time_column text;
  v_window text := '';
  v_count integer;
begin
  -- which table holds the entity, and which column a window applies to
  select m.tbl, m.time_column into v_table, v_time_column
  from (values ('positions', 'positions', null), ('staff', 'staff', null),
               ('service_categories', 'service_categories', null), ('services', 'services', null),
               ('client_categories', 'client_categories', null), ('clients', 'clients', null),
               ('accounts', 'accounts', null), ('records', 'records', 'datetime'),
               ('transactions', 'financial_transactions', 'date')) as m(entity, tbl, time_column)
  where m.entity = p_entity;
  -- unknown entities and windows on entities without a time column are caller bugs
  if v_table is null then
    raise exception using errcode = 'invalid_parameter_value', message = format('finish_refresh: unknown entity %L', p_entity);
  end if;
  if (p_from is not null or p_to is not null) then
    if v_time_column is null then
      raise exception using errcode = 'invalid_parameter_value',
        message = format('finish_refresh: entity %L has no time window', p_entity);
    end if;
    v_window := format(' and ($4::timestamptz is null or t.%1$I >= $4) and ($5::timestamptz is null or t.%1$I < $5)',
                       v_time_column);
  end if;
  -- one statement: soft-delete the unseen live rows (in the window) and clear this refresh's seen ids;
  -- `offset 0`: a per-row primary-key probe of seen_ids, never an anti join over the refresh's range
  execute format($sql$
    with gone as (
      update yclients.%1$I t set deleted_at = now()
      where t.company_id = $1 and t.deleted_at is null%2$s
        and not exists (select 1 from yclients_staging.seen_ids s
                        where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id
                        offset 0)
      returning 1
    ), cleared as (
      delete from yclients_staging.seen_ids s where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3
    )
    select count(*)::integer from gone$sql$, v_table, v_window)
  into v_count
  using p_company_id, p_entity, p_refresh_id, p_from, p_to;
  return v_count;
end
$$;
