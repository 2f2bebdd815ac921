/**
 * The end of a refresh (a read of a whole scope: a catalog, all clients of a company, a records or
 * transactions window), with the guards of design §9 "Distrust of upstream": `finish_refresh` deletes
 * only on a proven read, asks for a re-read when an answer looks wrong, and withholds a mass delete; the
 * ids a refresh has seen are counted, so a lost set is noticed. And the live rows of a scope, to compare
 * with what upstream counts.
 */
import { sql } from '@databases/pg';
import type { Db } from './db';
import type { EntityName } from './entities';
import { anonymousRejects, type MergeArgs, type MergeCounts, repairedOf, toCounts } from './merge';

/** How far a refresh may delete (design §9): the brake's thresholds and whether the user confirmed. */
export interface DeleteGuard {
  maxRows: number;
  /** 0..1 */
  maxFraction: number;
  /** `--confirm-deletes`: the user knows a mass delete is real. */
  confirmed: boolean;
}

/**
 * finish_refresh's verdict: `deleted` (the unseen rows were soft-deleted), `unproven` (the read held
 * rows without an id, any unseen row may be one of them: nothing deleted), `pending` (a suspicious read
 * confirmed by its re-read: deleted only when a later run's read agrees), `suspicious` (read the scope
 * again under the same refresh, then finish with `reread`), `withheld` (a mass delete the user has not
 * confirmed) or `seen_lost` (the seen set is shorter than counted: read the scope again).
 */
export type RefreshVerdict = 'deleted' | 'unproven' | 'pending' | 'suspicious' | 'withheld' | 'seen_lost';

export interface RefreshOutcome {
  verdict: RefreshVerdict;
  deleted: number;
  /** Live rows of the scope upstream did not return (deleted or, when withheld, not). */
  unseen: number;
  /** Live rows stored for the scope before the refresh ended. */
  live: number;
  /** `withheld`: the first ids (at most 20) it would have deleted. */
  sample: number[];
}

function toOutcome(row: Record<string, unknown> | undefined): RefreshOutcome {
  return {
    verdict: (row?.verdict ?? 'seen_lost') as RefreshVerdict,
    deleted: Number(row?.deleted ?? 0),
    unseen: Number(row?.unseen ?? 0),
    live: Number(row?.live ?? 0),
    sample: Array.isArray(row?.sample) ? row.sample.map(Number) : [],
  };
}

/**
 * Lands a complete list (a small catalog) and ends its refresh, in one call (`land_list`): the merge
 * runs first, then finish_refresh judges what upstream no longer returned.
 */
export async function mergeAndFinish(
  db: Db,
  args: MergeArgs & { refreshId: number; guard: DeleteGuard; reread: boolean },
): Promise<{ counts: MergeCounts; outcome: RefreshOutcome }> {
  const [row] = await db.query(sql`
    select * from yclients_sync.land_list(${args.companyId}, ${args.runId}, ${args.entity},
      ${JSON.stringify(args.page.rows)}::jsonb,
      ${args.checkpoint ? JSON.stringify(args.checkpoint) : null}::jsonb, ${args.refreshId}::bigint,
      ${JSON.stringify(args.page.rejected ?? [])}::jsonb, ${repairedOf(args.page)}::int,
      ${args.guard.maxRows}::int, ${args.guard.maxFraction}::numeric, ${args.guard.confirmed}, ${args.reread},
      ${anonymousRejects(args.page)}::int)`);
  return { counts: toCounts(row), outcome: toOutcome({ ...row, deleted: row?.removed }) };
}

/** A refresh window, as company-local wall times (`YYYY-MM-DD HH:MM:SS`) and the company's zone. */
export interface LocalWindow {
  from: string;
  to: string;
  timeZone: string;
}

/** Ends a refresh (optionally inside a window): see finish_refresh and {@link RefreshVerdict}. */
export async function finishRefresh(
  db: Db,
  args: {
    entity: EntityName;
    companyId: number;
    refreshId: number;
    window?: LocalWindow;
    guard: DeleteGuard;
    reread: boolean;
    /** Rows of the read rejected without an id. */
    unidentified: number;
    /** A list with no total (transactions): any row it no longer has is suspicious. */
    suspectAny?: boolean;
  },
): Promise<RefreshOutcome> {
  const w = args.window;
  const [row] = await db.query(sql`
    select * from yclients_sync.finish_refresh(${args.companyId}, ${args.entity}, ${args.refreshId}::bigint,
      ${w ? w.from : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${w ? w.to : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${args.guard.maxRows}::int, ${args.guard.maxFraction}::numeric, ${args.guard.confirmed}, ${args.reread},
      ${args.unidentified}::int, ${args.suspectAny ?? false})`);
  return toOutcome(row);
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

/**
 * True when a refresh being resumed has lost ids it had seen (a crash of PostgreSQL, a failover, a
 * truncate): its set is then shorter than sync_state counted, and the scope must be read again.
 */
export async function seenLost(
  db: Db,
  args: { entity: EntityName; companyId: number; refreshId: number },
): Promise<boolean> {
  const [row] = await db.query(sql`
    select yclients_sync.refresh_seen_lost(${args.companyId}, ${args.entity}, ${args.refreshId}::bigint) as lost`);
  return row?.lost === true;
}

/** Forgets every id an entity's refreshes have seen, before reading its scope again from the start. */
export async function forgetRefresh(db: Db, args: { entity: EntityName; companyId: number }): Promise<void> {
  await db.query(sql`select yclients_sync.forget_refresh(${args.companyId}, ${args.entity})`);
}

/** Live rows of an entity stored for a company (in a window, if given), and the span of their times. */
export async function liveRows(
  db: Db,
  args: { entity: EntityName; companyId: number; window?: LocalWindow },
): Promise<{ count: number; first: Date | null; last: Date | null; quarantined: number }> {
  const w = args.window;
  const [row] = await db.query(sql`
    select * from yclients_sync.live_rows(${args.companyId}, ${args.entity},
      ${w ? w.from : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${w ? w.to : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'})`);
  return {
    count: Number(row?.n ?? 0),
    first: row?.first_at ?? null,
    last: row?.last_at ?? null,
    quarantined: Number(row?.quarantined ?? 0),
  };
}
