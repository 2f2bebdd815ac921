create or replace function yclients_sync.live_rows(
  p_company_id bigint, p_entity text, p_from timestamptz default null, p_to timestamptz default null
) returns table (n bigint, first_at timestamptz, last_at timestamptz, quarantined bigint)
language plpgsql stable as $$
-- Purpose: what is stored for a scope, to compare with what upstream counts for it (records that vanish
--   upstream without a flag are found by comparing counts, design §9 fine print): the live rows of the
--   company's entity, in [p_from, p_to) of its time column when given, the first and last of their times,
--   and the quarantined upstream rows of the entity that are not stored live (upstream counts them too).
declare
  v_scope record;
  v_window text := '';
begin
  v_scope := yclients_sync.entity_table(p_entity);
  if (p_from is not null or p_to is not null) and v_scope.time_column is null then
    raise exception using errcode = 'invalid_parameter_value',
      message = format('live_rows: entity %L has no time window', p_entity);
  end if;
  if v_scope.time_column is not null then
    v_window := format(' and ($3::timestamptz is null or t.%1$I >= $3) and ($4::timestamptz is null or t.%1$I < $4)',
                       v_scope.time_column);
  end if;
  execute format($sql$
    select count(*), %2$s, %3$s from yclients.%1$I t
    where t.company_id = $1 and t.deleted_at is null and not t.is_stub%4$s$sql$,
    v_scope.tbl,
    case when v_scope.time_column is null then 'null::timestamptz' else format('min(t.%I)', v_scope.time_column) end,
    case when v_scope.time_column is null then 'null::timestamptz' else format('max(t.%I)', v_scope.time_column) end,
    v_window)
  into n, first_at, last_at
  using p_company_id, p_entity, p_from, p_to;
  execute format($sql$
    select count(*) from yclients_sync.quarantine q
    where q.company_id = $1 and q.entity = $2 and q.upstream_id is not null
      and not exists (select 1 from yclients.%1$I t
                      where t.company_id = $1 and t.id = q.upstream_id and t.deleted_at is null)$sql$, v_scope.tbl)
  into quarantined
  using p_company_id, p_entity;
  return next;
end
$$;
