import { type Checkpoint, mergePage, type PageContent, type QuarantinedRow } from '@yclients-pg/sql';
import type { EntityContext } from './context';
import type { EntityName } from './names';

/** One fetched page into the database (one round trip, checkpoint included) and into the run summary. */
export async function landPage(
  ctx: EntityContext,
  entity: EntityName,
  page: PageContent,
  options: { checkpoint?: Checkpoint; refreshId?: number } = {},
): Promise<void> {
  const counts = await mergePage(ctx.db, {
    entity,
    companyId: ctx.companyId,
    runId: ctx.runId,
    page,
    ...options,
  });
  const fetched = page.rows.length + (page.rejected?.length ?? 0);
  ctx.progress.page(fetched);
  ctx.counted(fetched, counts, page);
}

/** One row of an answer, in the order upstream sent them: one it could read, or one it rejected. */
export type WireRow<Row> = { row: Row; rejected?: undefined } | { row?: undefined; rejected: QuarantinedRow };

/** A page's rows in the order upstream sent them (the SDK keeps the position of each rejected row). */
export function wireOrder<Row extends { id: number }>(page: {
  rows: readonly Row[];
  rejected?: readonly QuarantinedRow[];
}): Array<WireRow<Row>> {
  const rejected = page.rejected ?? [];
  const out = new Array<WireRow<Row>>(page.rows.length + rejected.length);
  for (const r of rejected) out[r.index] = { rejected: r };
  let next = 0;
  for (let i = 0; i < out.length; i++) out[i] ??= { row: page.rows[next++]! };
  return out;
}

/** Wire rows back into a page (rejected rows indexed within it), e.g. the part of an answer to land. */
export function asPage<Row extends { id: number }>(
  wire: ReadonlyArray<WireRow<Row>>,
): { rows: Row[]; rejected: QuarantinedRow[] } {
  const rows: Row[] = [];
  const rejected: QuarantinedRow[] = [];
  wire.forEach((w, index) => {
    if (w.rejected) rejected.push({ ...w.rejected, index });
    else rows.push(w.row);
  });
  return { rows, rejected };
}

/**
 * The ids of a page's rows in the order upstream sent them; a rejected row without an id is null. An
 * ordinal counts every row upstream sent, the ones we could not store included.
 */
export function wireIds(page: PageContent): Array<number | null> {
  return wireOrder(page).map((w) => (w.rejected ? w.rejected.id : w.row.id));
}

/** The last row of a page that has an id: its id and its 1-based position in the page. */
export function lastIdentified(page: PageContent): { id: number; position: number } | null {
  const ids = wireIds(page);
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i];
    if (id !== null && id !== undefined) return { id, position: i + 1 };
  }
  return null;
}
