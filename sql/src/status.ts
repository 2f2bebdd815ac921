/**
 * What `pnpm sync status` shows, read without writing anything (no migration): a read-only monitoring
 * role can run it. Before the first migration there is nothing to show.
 */
import { sql } from '@databases/pg';
import { lockedCompanies } from './company-locks';
import type { Db } from './db';

export interface RunRow {
  id: number;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  companies: number[] | null;
  error: string | null;
}

export interface StateRow {
  company_id: number;
  entity: string;
  status: string;
  last_id: number | null;
  last_ordinal: number | null;
  mode: string | null;
  try_count: number;
  next_try_at: Date | null;
  last_error: string | null;
  updated_at: Date;
  last_success: Date | null;
}

export interface QuarantineRow {
  company_id: number;
  entity: string;
  rows: number;
  first_seen: Date;
  last_seen: Date;
  latest_reason: string | null;
}

export interface SyncStatus {
  /** Companies whose sync lock some session holds now. */
  runningFor: number[];
  /** The last runs, newest first. */
  runs: RunRow[];
  /** Per company and entity: checkpoint, retry state, last success. */
  states: StateRow[];
  /** Quarantined rows per company and entity, with the latest reason. */
  quarantine: QuarantineRow[];
}

export async function readSyncStatus(db: Db, options: { runs?: number } = {}): Promise<SyncStatus> {
  const runningFor = await lockedCompanies(db);
  const [schema] = await db.query(sql`select to_regclass('yclients_sync.sync_runs') is not null as ready`);
  if (!schema?.ready) return { runningFor, runs: [], states: [], quarantine: [] };
  const runs: RunRow[] = await db.query(sql`
    select id, status, started_at, finished_at, options -> 'companyIds' as companies, error
    from yclients_sync.sync_runs order by id desc limit ${options.runs ?? 5}`);
  const states: StateRow[] = await db.query(sql`
    select s.company_id, s.entity, s.status, s.last_id, s.last_ordinal, s.cursor ->> 'mode' as mode,
           s.try_count, s.next_try_at, s.last_error, s.updated_at,
           (select max(e.finished_at) from yclients_sync.sync_run_entities e
             where e.company_id = s.company_id and e.entity = s.entity and e.status = 'succeeded') as last_success
    from yclients_sync.sync_state s order by s.company_id, s.entity`);
  const quarantine: QuarantineRow[] = await db.query(sql`
    select company_id, entity, count(*)::int as rows, min(first_seen_at) as first_seen,
           max(last_seen_at) as last_seen, (array_agg(reason order by last_seen_at desc))[1] as latest_reason
    from yclients_sync.quarantine group by company_id, entity order by company_id, entity`);
  return { runningFor, runs, states, quarantine };
}
