create or replace function yclients_sync.finish_refresh(
  p_company_id bigint,
  p_entity text,
  p_refresh_id bigint,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_max_rows integer default 20,
  p_max_fraction numeric default 0.10,
  p_confirmed boolean default false,
  p_reread boolean default false,
  p_unidentified integer default 0,
  p_suspect_any boolean default false
) returns table (verdict text, deleted integer, unseen integer, live integer, seen integer, sample bigint[])
language plpgsql as $$
-- Purpose: end a refresh (a read of a whole scope: a catalog, all clients of a company, one records or
--   transactions window): soft-delete the live rows of the scope that upstream did not return under
--   p_refresh_id, unless the evidence is not good enough (design.md §9, "Distrust of upstream"). Rows that
--   were seen are never touched. A window keeps only rows whose records.datetime /
--   financial_transactions.date lies in [p_from, p_to) (either bound may be null = open).
-- Verdicts (nothing is deleted unless the verdict is 'deleted'):
--   'seen_lost'  the seen set holds fewer ids than sync_state counted (crash, failover): read again.
--   'suspicious' not yet re-read (p_reread false) and the read saw nothing while rows are live, or would
--                remove more than p_max_fraction of the live rows, or any row at all for a list with no
--                total to prove it complete (p_suspect_any: catalogs, transactions): read the scope again under the same
--                refresh id (the seen ids are kept, so the re-read adds to them), then call again with
--                p_reread.
--   'unproven'   the read held p_unidentified rows without a usable id (quarantined): any unseen row may be
--                one of them, so nothing is deleted; the refresh is over.
--   'pending'    a read that would remove more than p_max_fraction (or saw nothing), re-read and still says
--                the same: its unseen rows are noted in
--                yclients_sync.pending_deletes and deleted only when a later run's read confirms them
--                (a burst of bad answers within one run never deletes); nothing is deleted now.
--   'withheld'   a mass delete: more than both p_max_rows and p_max_fraction of the live rows would go, or
--                every live row of the scope (three or more), and the user has not confirmed
--                (p_confirmed): the caller reports it and fails the entity.
--   'deleted'    the unseen rows were soft-deleted (possibly none).
-- Returns one row: the verdict, rows soft-deleted, rows unseen (deleted or not), live rows in the scope,
--   ids seen, and for 'withheld' the first 20 ids it would have deleted (for the log). Idempotency: after any verdict but 'suspicious' the refresh's seen ids (and those of older,
--   abandoned refreshes of the entity) are cleared, so a second call finds nothing seen.
declare
  v_scope record;
  v_window text := '';
  -- stubs are not rows of any list (a listed parent is a full row), so no refresh can see them: they are
  -- no part of its scope (never unseen, never counted by the brake, never soft-deleted by it)
  v_full text;
  v_lost boolean;
  v_unseen bigint[];
begin
  v_scope := yclients_sync.entity_table(p_entity);
  v_full := case when v_scope.tbl = 'financial_transactions' then '' else ' and not t.is_stub' end;
  if (p_from is not null or p_to is not null) then
    if v_scope.time_column is null then
      raise exception using errcode = 'invalid_parameter_value',
        message = format('finish_refresh: entity %L has no time window', p_entity);
    end if;
    v_window := format(' and ($4::timestamptz is null or t.%1$I >= $4) and ($5::timestamptz is null or t.%1$I < $5)',
                       v_scope.time_column);
  end if;
  v_lost := yclients_sync.refresh_seen_lost(p_company_id, p_entity, p_refresh_id);
  select count(*)::integer into seen from yclients_staging.seen_ids s
  where s.company_id = p_company_id and s.entity = p_entity and s.refresh_id = p_refresh_id;
  -- the live rows of the scope, and those upstream did not return; `offset 0`: a per-row primary-key probe
  -- of seen_ids, never an anti join over the refresh's range (00005)
  execute format($sql$
    select count(*)::integer,
           count(*) filter (where not exists (
             select 1 from yclients_staging.seen_ids s
             where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id offset 0))::integer
    from yclients.%1$I t
    where t.company_id = $1 and t.deleted_at is null%2$s%3$s$sql$, v_scope.tbl, v_window, v_full)
  into live, unseen
  using p_company_id, p_entity, p_refresh_id, p_from, p_to;
  deleted := 0;
  -- the unseen ids themselves, for a re-read that may wait for the next run's confirmation
  if p_reread and unseen > 0 and not v_lost then
    execute format($sql$
      select array_agg(t.id order by t.id) from yclients.%1$I t
      where t.company_id = $1 and t.deleted_at is null%2$s%3$s
        and not exists (select 1 from yclients_staging.seen_ids s
                        where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id
                        offset 0)$sql$, v_scope.tbl, v_window, v_full)
    into v_unseen
    using p_company_id, p_entity, p_refresh_id, p_from, p_to;
  end if;
  if v_lost then
    verdict := 'seen_lost';
  elsif unseen = 0 then
    verdict := 'deleted';
  elsif p_unidentified > 0 then
    verdict := 'unproven';
  elsif not p_reread and (seen = 0 or unseen > live * p_max_fraction or p_suspect_any) then
    verdict := 'suspicious';
    return next;
    return;
  elsif not p_confirmed and ((unseen > p_max_rows and unseen > live * p_max_fraction)
                             or (unseen = live and live >= 3)) then
    -- a mass delete, or one that would empty the whole scope: two bad answers in a row must not wipe
    -- a catalog of twelve masters that the brake's 20 rows would let through
    verdict := 'withheld';
    execute format($sql$
      select array_agg(u.id order by u.id) from (
        select t.id from yclients.%1$I t
        where t.company_id = $1 and t.deleted_at is null%2$s%3$s
          and not exists (select 1 from yclients_staging.seen_ids s
                          where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id
                          offset 0)
        order by t.id limit 20) u$sql$, v_scope.tbl, v_window, v_full)
    into sample
    using p_company_id, p_entity, p_refresh_id, p_from, p_to;
  elsif p_reread and not p_confirmed and (seen = 0 or unseen > live * p_max_fraction) and exists (
      select 1 from unnest(v_unseen) as u(id)
      where not exists (select 1 from yclients_sync.pending_deletes p
                        where p.company_id = p_company_id and p.entity = p_entity and p.id = u.id)) then
    -- a read that would remove a large share, re-read and still the same: believed only when the next run
    -- sees it too, so a burst of bad answers within one run never deletes a large share (the chaos runs
    -- found two short answers in a row); a small delete the re-read confirmed goes at once
    insert into yclients_sync.pending_deletes (company_id, entity, id)
    select p_company_id, p_entity, u.id from unnest(v_unseen) as u(id)
    on conflict do nothing;
    verdict := 'pending';
    sample := v_unseen[1:20];
  else
    execute format($sql$
      with gone as (
        update yclients.%1$I t set deleted_at = now()
        where t.company_id = $1 and t.deleted_at is null%2$s%3$s
          and not exists (select 1 from yclients_staging.seen_ids s
                          where s.company_id = $1 and s.entity = $2 and s.refresh_id = $3 and s.id = t.id
                          offset 0)
        returning 1
      )
      select count(*)::integer from gone$sql$, v_scope.tbl, v_window, v_full)
    into deleted
    using p_company_id, p_entity, p_refresh_id, p_from, p_to;
    verdict := 'deleted';
  end if;
  -- rows that came back, or were deleted now, wait for nothing any more
  if verdict <> 'pending' then
    delete from yclients_sync.pending_deletes p
    where p.company_id = p_company_id and p.entity = p_entity
      and (p.id = any(coalesce(v_unseen, '{}')) or exists (
             select 1 from yclients_staging.seen_ids s
             where s.company_id = p_company_id and s.entity = p_entity and s.refresh_id = p_refresh_id
               and s.id = p.id));
  end if;
  -- the refresh is over: forget its ids, and those of refreshes of this entity a stopped run left behind
  delete from yclients_staging.seen_ids s
  where s.company_id = p_company_id and s.entity = p_entity and s.refresh_id <= p_refresh_id;
  update yclients_sync.sync_state s set refresh_id = null, refresh_seen = 0
  where s.company_id = p_company_id and s.entity = p_entity and s.refresh_id is not null;
  return next;
end
$$;
