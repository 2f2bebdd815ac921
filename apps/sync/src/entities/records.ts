/**
 * Records are listed newest visit first and ties in visit time come back in a different order on each
 * request, so a global ordinal means nothing here (yclients-open-questions Q1).
 *
 * - Full load: the visit-date range is cut into windows; each window is read page by page and is
 *   complete only when the number of distinct ids seen equals its `total_count`. Each window is its
 *   own refresh: once complete, rows inside it that upstream no longer has are soft-deleted.
 *   `end_date` stops at 23:59:00 local time, so a window asks for one more day. Every page
 *   checkpoints (window, page); a killed load resumes at the next page.
 * - Ties: a page boundary can only lose or repeat rows when the rows on both sides of it share a visit
 *   time (the times at each position do not depend on how ties are ordered). Such boundaries are
 *   noted, and an incomplete window first re-reads just those days (a few dozen rows each); only if
 *   it is still incomplete (data moved during the read) is the whole window read again.
 * - Incremental: `changed_after` (company-local, minus an overlap) with `with_deleted=1`; deletes
 *   arrive as flags and become `deleted_at`.
 */
import {
  isLastPage,
  iteratePages,
  type Page,
  type RecordsPageOptions,
  type YcRecord,
} from '@yclients-pg/sdk';
import { finishRefresh, seenCount } from '../db/merge';
import { type Checkpoint, writeCheckpoint } from '../db/state';
import { addDays, daysBetween, localDate, localDateTime, minusMinutes } from '../time';
import type { EntityContext, EntityPipeline } from './context';
import { landPage } from './land-page';

export const RECORDS_PAGE_SIZE = 1000;
/** Target rows per window: small enough that a re-read is cheap, large enough to waste few requests. */
const ROWS_PER_WINDOW = 20_000;
const MAX_WINDOWS = 500;
const MAX_WINDOW_PASSES = 3;

interface Window {
  from: string;
  to: string;
}

type RecordsCursor =
  | {
      mode: 'full';
      windows: Window[];
      index: number;
      page: number;
      pass: number;
      runId: number;
      changedAfterNext: string;
      /** visit time of the last row of the page before `page` (to spot ties across the boundary) */
      lastAt?: string;
      /** local days where tied rows straddled a page boundary in this pass */
      tieDays?: string[];
    }
  | { mode: 'incremental'; changedAfter: string; page?: number; changedAfterNext?: string };

function readCursor(ctx: EntityContext): RecordsCursor | null {
  const c = ctx.state?.cursor as RecordsCursor | null | undefined;
  return c && (c.mode === 'full' || c.mode === 'incremental') ? c : null;
}

export const records: EntityPipeline = async (ctx) => {
  const cursor = readCursor(ctx);
  ctx.progress.start('records');
  if (ctx.full || !cursor) {
    const planned = await planWindows(ctx);
    await fullLoad(ctx, planned);
  } else if (cursor.mode === 'full') {
    ctx.log.info('records: resuming an interrupted full load', {
      window: cursor.index + 1,
      page: cursor.page,
    });
    await fullLoad(ctx, cursor);
  } else {
    await readChanged(ctx, cursor);
  }
};

/**
 * Two one-row requests find the newest and the oldest visit (the list is sorted by visit date, newest
 * first); the range between is cut into windows of about ROWS_PER_WINDOW rows.
 */
async function planWindows(ctx: EntityContext): Promise<Extract<RecordsCursor, { mode: 'full' }>> {
  const changedAfterNext = localDateTime(ctx.runStartedAt, ctx.timeZone);
  const base = { mode: 'full' as const, index: 0, page: 1, pass: 1, runId: ctx.runId, changedAfterNext };
  const newest = await ctx.yc.recordsPage(ctx.companyId, { page: 1, count: 1 });
  const total = newest.totalCount;
  if (total === 0 || !newest.rows[0]) return { ...base, windows: [] };
  const oldest = total === 1 ? newest : await ctx.yc.recordsPage(ctx.companyId, { page: total, count: 1 });
  const toDay = dayOf(newest.rows[0], ctx.timeZone);
  const fromDay = dayOf(oldest.rows[0] ?? newest.rows[0], ctx.timeZone);
  ctx.progress.total(total);
  // ISO dates compare as strings.
  const [lo, hi] = [fromDay, toDay].sort() as [string, string];
  const days = daysBetween(lo, hi) + 1;
  const count = Math.min(MAX_WINDOWS, days, Math.max(1, Math.ceil(total / ROWS_PER_WINDOW)));
  const windows: Window[] = [];
  const step = Math.ceil(days / count);
  // Newest first, like the list itself, so the most useful data lands first.
  for (let end = hi; end >= lo; end = addDays(end, -step)) {
    const start = addDays(end, -(step - 1));
    windows.push({ from: [start, lo].sort().at(-1)!, to: end });
    if (start <= lo) break;
  }
  return { ...base, windows };
}

function dayOf(row: YcRecord, timeZone: string): string {
  return localDate(new Date(row.datetime), timeZone);
}

async function fullLoad(ctx: EntityContext, start: Extract<RecordsCursor, { mode: 'full' }>): Promise<void> {
  const { windows, runId, changedAfterNext } = start;
  let { index, page, pass, lastAt } = start;
  const tieDays = new Set(start.tieDays);
  while (index < windows.length) {
    const window = windows[index]!;
    // One refresh id per window, so completeness and deletes are judged per window.
    const refreshId = runId * 1000 + index;
    let total = 0;
    const pages = recordPages(
      ctx,
      'records window',
      { startDate: window.from, endDate: addDays(window.to, 1) },
      page,
    );
    for await (const result of pages) {
      const { page: n, rows } = result;
      total = result.totalCount;
      const first = rows[0];
      if (n > 1 && first && lastAt === first.datetime) tieDays.add(dayOf(first, ctx.timeZone));
      lastAt = rows.at(-1)?.datetime;
      const position = { index, pass, lastAt, tieDays: [...tieDays] };
      const cursor: RecordsCursor = isLast(result)
        ? { ...start, ...position, page: n } // the window's completeness check comes next
        : { ...start, ...position, page: n + 1 };
      await landPage(ctx, 'records', rows, {
        refreshId,
        checkpoint: {
          last_id: rows.at(-1)?.id ?? null,
          last_ordinal: null,
          page_size: RECORDS_PAGE_SIZE,
          cursor,
        },
      });
    }
    let seen = await seenCount(ctx.db, { entity: 'records', companyId: ctx.companyId, refreshId });
    if (seen < total && tieDays.size > 0) {
      ctx.log.debug('records: re-reading the days where tied rows straddled a page boundary', {
        days: [...tieDays],
      });
      for (const day of tieDays) await readDay(ctx, day, refreshId);
      seen = await seenCount(ctx.db, { entity: 'records', companyId: ctx.companyId, refreshId });
    }
    tieDays.clear();
    lastAt = undefined;
    if (seen < total && pass < MAX_WINDOW_PASSES) {
      ctx.log.info('records: window incomplete (ties moved between pages), reading it again', {
        from: window.from,
        to: window.to,
        seen,
        total,
      });
      pass += 1;
      page = 1;
      continue;
    }
    if (seen < total) {
      throw new Error(
        `records window ${window.from}..${window.to} stayed incomplete (${seen} of ${total} ids)`,
      );
    }
    // The window covers [from 00:00, to+1 23:59:00) local: exactly what the API returned for it.
    const next: RecordsCursor =
      index + 1 < windows.length
        ? { ...start, index: index + 1, page: 1, pass: 1, lastAt: undefined, tieDays: [] }
        : { mode: 'incremental', changedAfter: changedAfterNext };
    await ctx.db.tx(async (tx) => {
      const deleted = await finishRefresh(tx, {
        entity: 'records',
        companyId: ctx.companyId,
        refreshId,
        window: {
          from: `${window.from} 00:00:00`,
          to: `${addDays(window.to, 1)} 23:59:00`,
          timeZone: ctx.timeZone,
        },
      });
      ctx.removed(deleted);
      await writeCheckpoint(tx, ctx.companyId, 'records', {
        last_id: null,
        last_ordinal: null,
        page_size: RECORDS_PAGE_SIZE,
        cursor: next,
      });
    });
    index += 1;
    page = 1;
    pass = 1;
  }
  if (windows.length === 0) {
    await writeCheckpoint(ctx.db, ctx.companyId, 'records', {
      page_size: RECORDS_PAGE_SIZE,
      cursor: { mode: 'incremental', changedAfter: changedAfterNext },
    });
  }
}

/** Every row of one local day (its last minute included), landed under the window's refresh id. */
async function readDay(ctx: EntityContext, day: string, refreshId: number): Promise<void> {
  for await (const { rows } of recordPages(ctx, 'records of a day', {
    startDate: day,
    endDate: addDays(day, 1),
  })) {
    await landPage(ctx, 'records', rows, { refreshId });
  }
}

/** The pages of the records matching `filter`, the next one requested while this one lands. */
function recordPages(
  ctx: EntityContext,
  label: string,
  filter: Omit<RecordsPageOptions, 'page' | 'count'>,
  startPage = 1,
) {
  return iteratePages((page, count) => ctx.yc.recordsPage(ctx.companyId, { ...filter, page, count }), {
    label,
    pageSize: RECORDS_PAGE_SIZE,
    startPage,
    stop: 'total',
    readAhead: true,
  });
}

function isLast(page: Page<unknown>): boolean {
  return isLastPage(page, RECORDS_PAGE_SIZE, 'total');
}

async function readChanged(
  ctx: EntityContext,
  cursor: Extract<RecordsCursor, { mode: 'incremental' }>,
): Promise<void> {
  const changedAfterNext = cursor.changedAfterNext ?? localDateTime(ctx.runStartedAt, ctx.timeZone);
  const since = minusMinutes(cursor.changedAfter, ctx.config.changedAfterOverlapMinutes);
  const pages = recordPages(ctx, 'changed records', { changedAfter: since, withDeleted: true }, cursor.page);
  for await (const result of pages) {
    const { page, rows } = result;
    if (page === 1) ctx.progress.total(result.totalCount);
    const last = isLast(result);
    const checkpoint: Checkpoint = {
      last_id: rows.at(-1)?.id ?? null,
      last_ordinal: null,
      page_size: RECORDS_PAGE_SIZE,
      cursor: last
        ? { mode: 'incremental', changedAfter: changedAfterNext }
        : { mode: 'incremental', changedAfter: cursor.changedAfter, page: page + 1, changedAfterNext },
    };
    await landPage(ctx, 'records', rows, { checkpoint });
  }
}
