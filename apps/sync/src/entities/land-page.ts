import { type Checkpoint, mergePage, type PageContent } from '@yclients-pg/sql';
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

/**
 * The ids of a page's rows in the order upstream sent them; a rejected row without an id is null. An
 * ordinal counts every row upstream sent, the ones we could not store included.
 */
export function wireIds(page: PageContent): Array<number | null> {
  const rejected = page.rejected ?? [];
  const ids: Array<number | null> = new Array(page.rows.length + rejected.length);
  for (const r of rejected) ids[r.index] = r.id;
  let next = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === undefined) ids[i] = page.rows[next++]?.id ?? null;
  }
  return ids;
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
