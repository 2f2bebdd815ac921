/**
 * Clients: the specification's ordinal checkpoint, exactly, over `GET /clients/{company_id}` (id
 * ascending, so an ordinal means something; up to 300 a page; the only list that returns categories,
 * birth dates and custom fields: `clients/search` silently drops them).
 *
 * - Incremental: re-read the page holding the stored ordinal; if the row there still has the stored
 *   id, only the pages after it are fetched. If not, the list shifted (deletes upstream) → rebuild.
 * - Rebuild: page 1 onwards while the live table stays readable; every page is merged as it comes and
 *   its ids remembered; at the end, in one transaction, what upstream no longer returned is
 *   soft-deleted and the cursor switches to incremental. A killed rebuild resumes at its next page.
 * - Updates to clients already stored: `changed_after` (company-local, with an overlap window).
 */
import { type Client, type CountedPage, isLastPage, iteratePages } from '@yclients-pg/sdk';
import { finishRefresh, seenCount } from '../db/merge';
import { type Checkpoint, writeCheckpoint } from '../db/state';
import { localDateTime, minusMinutes } from '../time';
import type { EntityContext, EntityPipeline } from './context';
import { landPage } from './land-page';

export const CLIENTS_PAGE_SIZE = 300;
/** A rebuild whose pages drifted (fewer distinct ids than the total) is re-read at most this often. */
const MAX_REBUILD_PASSES = 3;

type ClientsCursor =
  | { mode: 'rebuild'; refreshId: number; nextPage: number; pass: number; changedAfterNext: string }
  | { mode: 'incremental'; changedAfter: string };

function readCursor(ctx: EntityContext): ClientsCursor | null {
  const c = ctx.state?.cursor as ClientsCursor | null | undefined;
  return c && (c.mode === 'rebuild' || c.mode === 'incremental') ? c : null;
}

export const clients: EntityPipeline = async (ctx) => {
  const cursor = readCursor(ctx);
  ctx.progress.start('clients');
  if (ctx.full || !cursor || ctx.state?.lastOrdinal == null) {
    await rebuild(ctx, { refreshId: ctx.runId, nextPage: 1, pass: 1, changedAfterNext: runCursor(ctx) });
  } else if (cursor.mode === 'rebuild') {
    ctx.log.info('clients: resuming an interrupted rebuild', { page: cursor.nextPage });
    await rebuild(ctx, cursor);
  } else {
    const shifted = await readAfterOrdinal(ctx, cursor);
    if (shifted) {
      await rebuild(ctx, { refreshId: ctx.runId, nextPage: 1, pass: 1, changedAfterNext: runCursor(ctx) });
    } else {
      await readChanged(ctx, cursor);
    }
  }
};

/** The change cursor the next run starts from: this run's start on the company's clock. */
function runCursor(ctx: EntityContext): string {
  return localDateTime(ctx.runStartedAt, ctx.timeZone);
}

async function rebuild(
  ctx: EntityContext,
  start: { refreshId: number; nextPage: number; pass: number; changedAfterNext: string },
): Promise<void> {
  let { nextPage: firstPage, pass } = start;
  const { refreshId, changedAfterNext } = start;
  for (;;) {
    let total = 0;
    const pages = iteratePages((page, count) => ctx.yc.clientsPage(ctx.companyId, { page, count }), {
      label: 'clients',
      pageSize: CLIENTS_PAGE_SIZE,
      startPage: firstPage,
      stop: 'total',
      readAhead: true,
    });
    for await (const { page, rows, totalCount } of pages) {
      total = totalCount;
      if (page === 1) ctx.progress.total(total);
      const checkpoint: Checkpoint = {
        last_id: rows.at(-1)?.id ?? ctx.state?.lastId ?? null,
        last_ordinal: (page - 1) * CLIENTS_PAGE_SIZE + rows.length,
        page_size: CLIENTS_PAGE_SIZE,
        cursor: { mode: 'rebuild', refreshId, nextPage: page + 1, pass, changedAfterNext },
      };
      await landPage(ctx, 'clients', rows, { checkpoint, refreshId });
    }
    const seen = await seenCount(ctx.db, { entity: 'clients', companyId: ctx.companyId, refreshId });
    if (seen >= total || pass >= MAX_REBUILD_PASSES) {
      if (seen < total) ctx.log.warn('clients: the list kept moving during the rebuild', { seen, total });
      break;
    }
    // Deletes upstream shifted rows to pages already read: read the list again, same refresh id.
    ctx.log.info('clients: list shifted during the rebuild, reading it again', { seen, total, pass });
    pass += 1;
    firstPage = 1;
  }
  const finalOrdinal = await ctx.db.tx(async (tx) => {
    const deleted = await finishRefresh(tx, { entity: 'clients', companyId: ctx.companyId, refreshId });
    ctx.removed(deleted);
    const [last] = await tx.query(tx.sql`
      select count(*)::int as n, max(id) as last_id from yclients.clients
      where company_id = ${ctx.companyId} and deleted_at is null and not is_stub`);
    const checkpoint: Checkpoint = {
      last_id: last?.last_id === null || last?.last_id === undefined ? null : Number(last.last_id),
      last_ordinal: Number(last?.n ?? 0),
      page_size: CLIENTS_PAGE_SIZE,
      cursor: { mode: 'incremental', changedAfter: changedAfterNext },
    };
    await writeCheckpoint(tx, ctx.companyId, 'clients', checkpoint);
    return checkpoint.last_ordinal;
  });
  ctx.log.debug('clients: rebuild finished', { lastOrdinal: finalOrdinal });
}

/**
 * The specification's check: returns true when the row at the stored ordinal no longer carries the
 * stored id (the list shifted). Otherwise lands the check page and every page after it.
 */
async function readAfterOrdinal(ctx: EntityContext, cursor: { changedAfter: string }): Promise<boolean> {
  const lastOrdinal = ctx.state!.lastOrdinal!;
  const lastId = ctx.state!.lastId;
  const pageSize = ctx.state!.pageSize ?? CLIENTS_PAGE_SIZE;
  const checkPage = Math.max(1, Math.ceil(lastOrdinal / pageSize));
  const fetchPage = (page: number, count: number) => ctx.yc.clientsPage(ctx.companyId, { page, count });
  const check = await fetchPage(checkPage, pageSize);
  if (lastOrdinal > 0) {
    const atOrdinal = check.rows[(lastOrdinal - 1) % pageSize];
    if (atOrdinal?.id !== lastId) {
      ctx.log.info('clients: the row at the stored ordinal changed; the list shifted upstream, rebuilding', {
        ordinal: lastOrdinal,
        expectedId: lastId,
        foundId: atOrdinal?.id ?? null,
      });
      return true;
    }
  }
  ctx.progress.total(check.totalCount);
  const land = async ({ page, rows }: CountedPage<Client>) => {
    await landPage(ctx, 'clients', rows, {
      checkpoint: {
        last_id: rows.at(-1)?.id ?? lastId,
        last_ordinal: rows.length > 0 ? (page - 1) * pageSize + rows.length : lastOrdinal,
        page_size: pageSize,
        cursor: { mode: 'incremental', changedAfter: cursor.changedAfter },
      },
    });
  };
  await land(check);
  if (!isLastPage(check, pageSize, 'total')) {
    const after = iteratePages(fetchPage, {
      label: 'clients',
      pageSize,
      startPage: checkPage + 1,
      stop: 'total',
      readAhead: true,
    });
    for await (const page of after) await land(page);
  }
  return false;
}

/**
 * Clients changed since the cursor (minus the overlap), then the cursor moves to this run's start. Its
 * checkpoints carry only the cursor: the ordinal part stays as readAfterOrdinal left it.
 */
async function readChanged(ctx: EntityContext, cursor: { changedAfter: string }): Promise<void> {
  const since = minusMinutes(cursor.changedAfter, ctx.config.changedAfterOverlapMinutes);
  const pages = iteratePages(
    (page, count) => ctx.yc.clientsPage(ctx.companyId, { page, count, changedAfter: since }),
    { label: 'changed clients', pageSize: CLIENTS_PAGE_SIZE, stop: 'total', readAhead: true },
  );
  for await (const page of pages) {
    const last = isLastPage(page, CLIENTS_PAGE_SIZE, 'total');
    await landPage(ctx, 'clients', page.rows, {
      checkpoint: {
        cursor: { mode: 'incremental', changedAfter: last ? runCursor(ctx) : cursor.changedAfter },
      },
    });
  }
}
