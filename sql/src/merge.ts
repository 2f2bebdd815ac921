/**
 * The sync's only write path for data: one API page → one call of `yclients_sync.land_page` (the
 * entity's merge function for the rows the SDK could read, the quarantine for those it could not), one
 * round trip, one transaction that also moves the checkpoint. And the end of a refresh, with the guards
 * of design §9: `finish_refresh` deletes only on a proven read and brakes a mass delete.
 */
import { isTransaction, sql } from '@databases/pg';
import type { Db } from './db';
import type { EntityName } from './entities';
import { isDataError, refusedRows } from './refused-rows';
import type { Checkpoint } from './sync-state';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Rows put in yclients_sync.quarantine (they could not be stored). */
  quarantined: number;
}

export const zeroCounts = (): MergeCounts => ({
  inserted: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  quarantined: 0,
});

export function addCounts(into: MergeCounts, more: MergeCounts): MergeCounts {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  into.deleted += more.deleted;
  into.quarantined += more.quarantined;
  return into;
}

function toCounts(row: Record<string, unknown> | undefined): MergeCounts {
  return {
    inserted: Number(row?.inserted ?? 0),
    updated: Number(row?.updated ?? 0),
    unchanged: Number(row?.unchanged ?? 0),
    deleted: Number(row?.deleted ?? 0),
    quarantined: Number(row?.quarantined ?? 0),
  };
}

/**
 * A row upstream sent that cannot be stored (the SDK's RejectedRow): its id if it has a usable one, its
 * position in the answer, why, and the row as text.
 */
export interface QuarantinedRow {
  id: number | null;
  index: number;
  reason: string;
  row: string;
}

/** A page as the SDK hands it over: the rows it could read, the rows it rejected, what it repaired. */
export interface PageContent {
  rows: readonly { id: number }[];
  rejected?: readonly QuarantinedRow[];
  /** Characters fixed in the rows (U+0000 dropped, lone surrogates replaced), counted in the run log. */
  repairs?: { nulDropped: number; surrogatesReplaced: number };
}

export interface MergeArgs {
  entity: EntityName;
  companyId: number;
  runId: number;
  page: PageContent;
  checkpoint?: Checkpoint;
  refreshId?: number;
}

/** Rejected rows without an id: they count towards a list's total but can never be seen by id. */
export function anonymousRejects(page: PageContent): number {
  return page.rejected?.filter((r) => r.id === null).length ?? 0;
}

const repairedOf = (page: PageContent) =>
  (page.repairs?.nulDropped ?? 0) + (page.repairs?.surrogatesReplaced ?? 0);

/**
 * Lands a page. Rows the database refuses (see refused-rows.ts) are found, quarantined with the rows
 * the SDK rejected, and the rest of the page lands with its checkpoint: one bad row never stops a page.
 */
export async function mergePage(db: Db, args: MergeArgs): Promise<MergeCounts> {
  try {
    // Inside a transaction (a dry run) a failed statement would abort it: try the page in a savepoint.
    return isTransaction(db) ? await db.tx((tx) => landOnce(tx, args)) : await landOnce(db, args);
  } catch (error) {
    if (!isDataError(error)) throw error;
    const refused = await refusedRows(db, args.entity, args.page.rows, (probe, rows) =>
      landOnce(probe, { ...args, page: { rows } }),
    );
    if (refused.length === 0) throw error; // no single row is to blame
    const bad = new Set<unknown>(refused.map((r) => r.row));
    const positions = wirePositions(args.page);
    const rejected = [
      ...(args.page.rejected ?? []),
      ...refused.map((r) => ({ ...r.rejected, index: positions[args.page.rows.indexOf(r.row)]! })),
    ];
    return landOnce(db, {
      ...args,
      page: { ...args.page, rows: args.page.rows.filter((r) => !bad.has(r)), rejected },
    });
  }
}

/** Where each of a page's readable rows stood in the answer (rejected rows keep their own index). */
function wirePositions(page: PageContent): number[] {
  const taken = new Set((page.rejected ?? []).map((r) => r.index));
  const positions: number[] = [];
  for (let i = 0; positions.length < page.rows.length; i++) if (!taken.has(i)) positions.push(i);
  return positions;
}

async function landOnce(db: Db, args: MergeArgs): Promise<MergeCounts> {
  const [row] = await db.query(sql`
    select * from yclients_sync.land_page(${args.companyId}, ${args.runId}, ${args.entity},
      ${JSON.stringify(args.page.rows)}::jsonb,
      ${args.checkpoint ? JSON.stringify(args.checkpoint) : null}::jsonb, ${args.refreshId ?? null}::bigint,
      ${JSON.stringify(args.page.rejected ?? [])}::jsonb, ${repairedOf(args.page)}::int)`);
  return toCounts(row);
}

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
 * rows without an id, any unseen row may be one of them: nothing deleted), `suspicious` (read the scope
 * again under the same refresh, then finish with `reread`), `withheld` (a mass delete the user has not
 * confirmed) or `seen_lost` (the seen set is shorter than counted: read the scope again).
 */
export type RefreshVerdict = 'deleted' | 'unproven' | 'suspicious' | 'withheld' | 'seen_lost';

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
  },
): Promise<RefreshOutcome> {
  const w = args.window;
  const [row] = await db.query(sql`
    select * from yclients_sync.finish_refresh(${args.companyId}, ${args.entity}, ${args.refreshId}::bigint,
      ${w ? w.from : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${w ? w.to : null}::timestamp at time zone ${w?.timeZone ?? 'UTC'},
      ${args.guard.maxRows}::int, ${args.guard.maxFraction}::numeric, ${args.guard.confirmed}, ${args.reread},
      ${args.unidentified}::int)`);
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
