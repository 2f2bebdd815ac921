/**
 * `yclients_sync.sync_state`: per (company, entity) the specification's checkpoint (last id, last
 * ordinal, page size), the change cursor, and the retry state machine of design §4.5:
 * in_progress → (succeeded | retry_waiting → … → error); `waiting` only before an entity's first run.
 */
import { sql } from '@databases/pg';
import type { Db } from './db';

export interface EntityState {
  lastId: number | null;
  lastOrdinal: number | null;
  pageSize: number | null;
  cursor: Record<string, unknown> | null;
  status: string;
  tryCount: number;
  nextTryAt: Date | null;
  lastError: string | null;
}

/** What a merge call writes to sync_state along with its page. */
export interface Checkpoint {
  last_id?: number | null;
  last_ordinal?: number | null;
  page_size?: number | null;
  cursor?: Record<string, unknown> | null;
}

/** Delays before an entity that failed is tried again by a later run; then it stays in `error`. */
export const RETRY_DELAYS_SECONDS = [60, 300, 900];
export const MAX_TRIES = 3;

export async function readState(db: Db, companyId: number, entity: string): Promise<EntityState | null> {
  const [row] = await db.query(sql`
    select last_id, last_ordinal, page_size, cursor, status, try_count, next_try_at, last_error
    from yclients_sync.sync_state where company_id = ${companyId} and entity = ${entity}`);
  if (!row) return null;
  return {
    lastId: row.last_id === null ? null : Number(row.last_id),
    lastOrdinal: row.last_ordinal === null ? null : Number(row.last_ordinal),
    pageSize: row.page_size === null ? null : Number(row.page_size),
    cursor: row.cursor ?? null,
    status: row.status,
    tryCount: Number(row.try_count ?? 0),
    nextTryAt: row.next_try_at ?? null,
    lastError: row.last_error ?? null,
  };
}

export async function markInProgress(db: Db, companyId: number, entity: string): Promise<void> {
  await db.query(sql`
    insert into yclients_sync.sync_state (company_id, entity, status, try_count, updated_at)
    values (${companyId}, ${entity}, 'in_progress', 0, now())
    on conflict (company_id, entity) do update set status = 'in_progress', updated_at = now()`);
}

export async function markSucceeded(db: Db, companyId: number, entity: string): Promise<void> {
  await db.query(sql`
    update yclients_sync.sync_state
       set status = 'succeeded', try_count = 0, next_try_at = null, last_error = null, updated_at = now()
     where company_id = ${companyId} and entity = ${entity}`);
}

export async function markFailed(
  db: Db,
  companyId: number,
  entity: string,
  error: string,
): Promise<{ status: string; tryCount: number; nextTryAt: Date }> {
  const [row] = await db.query(sql`
    update yclients_sync.sync_state
       set try_count = try_count + 1,
           status = case when try_count + 1 >= ${MAX_TRIES} then 'error' else 'retry_waiting' end,
           next_try_at = now() + make_interval(secs => (${RETRY_DELAYS_SECONDS}::int[])[least(try_count + 1, ${RETRY_DELAYS_SECONDS.length})]),
           last_error = ${error.slice(0, 2000)},
           updated_at = now()
     where company_id = ${companyId} and entity = ${entity}
    returning status, try_count, next_try_at`);
  return { status: row!.status, tryCount: Number(row!.try_count), nextTryAt: row!.next_try_at };
}

/**
 * Writes a checkpoint without a page (e.g. the end of a rebuild), through the same SQL a merge uses
 * (`finish_page` with no run and no rows): only the keys present are written, and no page is counted.
 */
export async function writeCheckpoint(
  db: Db,
  companyId: number,
  entity: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await db.query(sql`
    select yclients_sync.finish_page(${companyId}, null, ${entity}, '[]'::jsonb, 0, 0, 0, 0, 0,
                                     ${JSON.stringify(checkpoint)}::jsonb, null)`);
}
