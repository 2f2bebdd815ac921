/**
 * The sync's only write path for data: one API page → one call of `yclients_sync.merge_<entity>`,
 * one round trip, one transaction that also moves the checkpoint.
 */
import { sql } from '@databases/pg';
import type { EntityName } from '../entities/names';
import type { Db } from './queryable';
import type { Checkpoint } from './state';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export const zeroCounts = (): MergeCounts => ({ inserted: 0, updated: 0, unchanged: 0, deleted: 0 });

export function addCounts(into: MergeCounts, more: MergeCounts): MergeCounts {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  into.deleted += more.deleted;
  return into;
}

function toCounts(row: Record<string, unknown> | undefined): MergeCounts {
  return {
    inserted: Number(row?.inserted ?? 0),
    updated: Number(row?.updated ?? 0),
    unchanged: Number(row?.unchanged ?? 0),
    deleted: Number(row?.deleted ?? 0),
  };
}

export interface MergeArgs {
  entity: EntityName;
  companyId: number;
  runId: number;
  rows: readonly unknown[];
  checkpoint?: Checkpoint;
  refreshId?: number;
}

export async function mergePage(db: Db, args: MergeArgs): Promise<MergeCounts> {
  const fn = sql.ident('yclients_sync', `merge_${args.entity}`);
  const [row] = await db.query(sql`
    select * from ${fn}(${args.companyId}, ${args.runId}, ${JSON.stringify(args.rows)}::jsonb,
                        ${args.checkpoint ? JSON.stringify(args.checkpoint) : null}::jsonb, ${args.refreshId ?? null}::bigint)`);
  return toCounts(row);
}

/** A refresh window, as company-local wall times (`YYYY-MM-DD HH:MM:SS`) and the company's zone. */
export interface LocalWindow {
  from: string;
  to: string;
  timeZone: string;
}

/**
 * Lands a complete list (a small catalog) and soft-deletes what upstream no longer returned, in one
 * statement: the merge runs first (FROM), then finish_refresh sees its rows.
 */
export async function mergeAndFinish(db: Db, args: MergeArgs & { refreshId: number }): Promise<MergeCounts> {
  const fn = sql.ident('yclients_sync', `merge_${args.entity}`);
  const [row] = await db.query(sql`
    select m.inserted, m.updated, m.unchanged,
           m.deleted + yclients_sync.finish_refresh(${args.companyId}, ${args.entity}, ${args.refreshId}::bigint) as deleted
    from ${fn}(${args.companyId}, ${args.runId}, ${JSON.stringify(args.rows)}::jsonb,
               ${args.checkpoint ? JSON.stringify(args.checkpoint) : null}::jsonb, ${args.refreshId}::bigint) m`);
  return toCounts(row);
}

/** Soft-deletes the rows of a finished refresh (optionally inside a window) that upstream no longer has. */
export async function finishRefresh(
  db: Db,
  args: { entity: EntityName; companyId: number; refreshId: number; window?: LocalWindow },
): Promise<number> {
  const w = args.window;
  const [row] = await db.query(sql`
    select yclients_sync.finish_refresh(${args.companyId}, ${args.entity}, ${args.refreshId}::bigint,
      ${w ? w.from : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${w ? w.to : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'}) as deleted`);
  return Number(row?.deleted ?? 0);
}

/** How many distinct ids a refresh has seen so far (a records window's completeness check). */
export async function seenCount(
  db: Db,
  args: { entity: EntityName; companyId: number; refreshId: number },
): Promise<number> {
  const [row] = await db.query(sql`
    select count(*)::int as n from yclients_staging.seen_ids
    where company_id = ${args.companyId} and entity = ${args.entity} and refresh_id = ${args.refreshId}`);
  return Number(row?.n ?? 0);
}
