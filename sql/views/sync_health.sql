create or replace view analytics.sync_health as
select k.company_id,
       k.entity,
       st.status,
       st.try_count,
       st.next_try_at,
       st.last_error,
       st.last_id,
       st.last_ordinal,
       st.updated_at as state_updated_at,
       lr.run_id as last_run_id,
       lr.started_at as last_run_started_at,
       lr.finished_at as last_run_finished_at,
       lr.status as last_run_status,
       lr.error as last_run_error,
       ls.finished_at as last_success_at,
       now() - ls.finished_at as lag
from (
  select company_id, entity from yclients_sync.sync_state
  union
  select company_id, entity from yclients_sync.sync_run_entities
) k
left join yclients_sync.sync_state st on st.company_id = k.company_id and st.entity = k.entity
left join lateral (
  select e.run_id, e.started_at, e.finished_at, e.status, e.error
  from yclients_sync.sync_run_entities e
  where e.company_id = k.company_id and e.entity = k.entity
  order by e.started_at desc, e.run_id desc
  limit 1
) lr on true
left join lateral (
  select max(coalesce(e.finished_at, e.started_at)) as finished_at
  from yclients_sync.sync_run_entities e
  where e.company_id = k.company_id and e.entity = k.entity and e.status = 'succeeded'
) ls on true;

comment on view analytics.sync_health is 'Per company and entity: job status, tries, last error, the last run and lag = now() - last success.';
