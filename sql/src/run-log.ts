/** The run log: `yclients_sync.sync_runs` (one row per run) and `sync_run_entities` (per entity). */
import os from 'node:os';
import { sql } from '@databases/pg';
import type { Db } from './db';
import { withClient } from './server';

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'abandoned';

export async function openRun(
  db: Db,
  options: { companyIds: number[]; [k: string]: unknown },
): Promise<number> {
  const [row] = await db.query(sql`
    insert into yclients_sync.sync_runs (status, pid, host, options)
    values ('running', ${process.pid}, ${os.hostname()}, ${JSON.stringify(options)}::jsonb)
    returning id`);
  return Number(row!.id);
}

/**
 * Runs left `running` by a process that died: called once we hold the companies' locks, so no live
 * run can own them any more.
 */
export async function abandonDeadRuns(db: Db, currentRunId: number, companyIds: number[]): Promise<number> {
  const rows = await db.query(sql`
    update yclients_sync.sync_runs r
       set status = 'abandoned', finished_at = now(),
           error = coalesce(r.error, 'the process running it stopped before finishing')
     where r.status = 'running' and r.id <> ${currentRunId}
       and exists (select 1 from jsonb_array_elements(r.options -> 'companyIds') e
                   where (e #>> '{}')::bigint = any(${companyIds}::bigint[]))
    returning r.id`);
  return rows.length;
}

/**
 * The runs this process has going, marked `abandoned` with `reason` (the signal that is ending it), so
 * `status` tells the truth at once. A connection of its own with a 1 s lock timeout: the process is
 * leaving and the sync's pool may be mid-page.
 */
export async function abandonOwnRuns(url: string, reason: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("set lock_timeout = '1s'");
    await client.query(
      `update yclients_sync.sync_runs set status = 'abandoned', finished_at = now(), error = $1
        where status = 'running' and pid = $2 and host = $3`,
      [reason, process.pid, os.hostname()],
    );
  });
}

export async function closeRun(db: Db, runId: number, status: RunStatus, error?: string): Promise<void> {
  await db.query(sql`
    update yclients_sync.sync_runs
       set status = ${status}, finished_at = now(), error = ${error ?? null}
     where id = ${runId}`);
}

export async function startRunEntity(
  db: Db,
  runId: number,
  companyId: number,
  entity: string,
): Promise<void> {
  await db.query(sql`
    insert into yclients_sync.sync_run_entities (run_id, company_id, entity, started_at, status)
    values (${runId}, ${companyId}, ${entity}, now(), 'running')
    on conflict (run_id, company_id, entity) do update set started_at = now(), status = 'running'`);
}

export async function finishRunEntity(
  db: Db,
  runId: number,
  companyId: number,
  entity: string,
  result: {
    status: 'succeeded' | 'partial' | 'failed' | 'skipped';
    requests: number;
    /** soft-deletes the brake withheld */
    withheld?: number;
    error?: string;
  },
): Promise<void> {
  await db.query(sql`
    insert into yclients_sync.sync_run_entities (run_id, company_id, entity, started_at, finished_at, status, requests, withheld, error)
    values (${runId}, ${companyId}, ${entity}, now(), now(), ${result.status}, ${result.requests},
            ${result.withheld ?? 0}, ${result.error ?? null})
    on conflict (run_id, company_id, entity) do update
      set finished_at = now(), status = excluded.status, requests = excluded.requests,
          withheld = excluded.withheld, error = excluded.error`);
}
