/**
 * The sync's only write path for data: one API page → one call of `yclients_sync.land_page` (the
 * entity's merge function for the rows the SDK could read, the quarantine for those it could not), one
 * round trip, one transaction that also moves the checkpoint. The end of a refresh is in refresh.ts.
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

export function toCounts(row: Record<string, unknown> | undefined): MergeCounts {
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

export const repairedOf = (page: PageContent) =>
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
