/**
 * Financial transactions: no total count and no deleted flag on rows, so pages are read until an
 * EMPTY page (a short page is not the end: the server may clamp `count`). The first run loads the
 * whole history; later runs re-read a rolling window of company-local days
 * (YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS) and reconcile inside it: a row gone from the window was
 * deleted upstream. `--full` re-reads everything (a weekly cron line catches older changes).
 * With no total, "the list ended normally" (an empty page) is all the proof a read has, so the SDK asks
 * the answers that end it again (`recheck`: one more request per read): a bad answer on the last page
 * would otherwise leave the oldest history unread until a `--full`. The guards of design §9 do the rest: a read that would remove many rows is read again before it is believed, and
 * a mass delete waits for `--confirm-deletes` (entities/refresh.ts).
 */
import { iteratePages, PAGE_SIZES } from '@yclients-pg/sdk';
import { anonymousRejects, forgetRefresh, seenCount, seenLost, writeCheckpoint } from '@yclients-pg/sql';
import { IncompleteReadError } from '../errors';
import { addDays, localDate } from '../time';
import type { EntityContext, EntityPipeline } from './context';
import { landPage } from './land-page';
import { endRefresh } from './refresh';

export const TRANSACTIONS_PAGE_SIZE = PAGE_SIZES.transactions;
/** The full history starts here: YClients predates none of its salons' finance records. */
const HISTORY_START = '2000-01-01';

interface TransactionsCursor {
  mode: 'history' | 'window';
  from: string;
  to: string;
  page: number;
  refreshId: number;
  loaded: boolean;
  /** this read re-reads the window because the last one would have removed too much */
  reread?: boolean;
  /** rows of this read rejected without an id */
  anonymous?: number;
}

export const transactions: EntityPipeline = async (ctx) => {
  const saved = ctx.state?.cursor as Partial<TransactionsCursor> | null | undefined;
  const today = localDate(ctx.runStartedAt, ctx.timeZone);
  let cursor: TransactionsCursor;
  if (!ctx.full && saved?.page && saved.refreshId && saved.from && saved.to && saved.mode) {
    cursor = saved as TransactionsCursor; // an interrupted read: resume at its next page
    ctx.log.info('transactions: resuming an interrupted read', { page: cursor.page });
    if (cursor.page > 1 && (await resumedBlind(ctx, cursor))) {
      ctx.log.warn(
        'transactions: the ids seen before the interruption were lost (a database crash or failover?); reading the window again from page 1',
      );
      await forgetRefresh(ctx.db, refreshOf(ctx, cursor));
      // a first read again: what an earlier read saw is gone, so a re-read has nothing to add to
      cursor = { ...cursor, page: 1, anonymous: 0, reread: false };
    }
  } else {
    const history = ctx.full || !saved?.loaded;
    cursor = {
      mode: history ? 'history' : 'window',
      from: history ? HISTORY_START : addDays(today, -ctx.config.transactionsLookbackDays),
      to: addDays(today, 1),
      page: 1,
      refreshId: ctx.runId,
      loaded: !!saved?.loaded,
    };
    // Saved before the first request, so a read (a --full) killed before its first page is the same
    // read on the next run.
    await writeCheckpoint(ctx.db, ctx.companyId, 'transactions', {
      page_size: TRANSACTIONS_PAGE_SIZE,
      cursor: { ...cursor },
    });
  }
  ctx.progress.start(`transactions (${cursor.mode === 'history' ? 'history' : `since ${cursor.from}`})`);
  let restarted = false;
  for (;;) {
    const { anonymous, rows } = await readWindow(ctx, cursor);
    const window = cursor;
    // An empty history is believed only as far as deleting goes: the next run reads the history again
    // (one request while the salon has none), so one bad empty answer cannot skip it for good.
    const loaded = cursor.loaded || cursor.mode === 'window' || rows > 0;
    const outcome = await endRefresh(ctx, {
      entity: 'transactions',
      refreshId: cursor.refreshId,
      scope: `transactions ${cursor.from}..${cursor.to}`,
      window:
        cursor.mode === 'window'
          ? { from: `${cursor.from} 00:00:00`, to: `${cursor.to} 00:00:00`, timeZone: ctx.timeZone }
          : undefined,
      reread: cursor.reread ?? false,
      unidentified: anonymous,
      // pages end at the first empty page, which a bad answer can fake: any row gone is read again
      suspectAny: true,
      close: (tx) =>
        writeCheckpoint(tx, ctx.companyId, 'transactions', {
          page_size: TRANSACTIONS_PAGE_SIZE,
          cursor: { loaded, lastWindow: { from: window.from, to: window.to } },
        }),
    });
    if (outcome.verdict === 'suspicious') {
      cursor = { ...cursor, page: 1, reread: true, anonymous: 0 };
    } else if (outcome.verdict === 'seen_lost') {
      if (restarted)
        throw new IncompleteReadError('transactions: the ids seen were lost twice; nothing was deleted');
      restarted = true;
      await forgetRefresh(ctx.db, refreshOf(ctx, cursor));
      cursor = { ...cursor, page: 1, anonymous: 0, reread: false };
    } else {
      return;
    }
  }
};

/**
 * True when a read resumed past its first page cannot vouch for the pages it read before: the seen set is
 * shorter than counted (a crash of PostgreSQL), or holds nothing although a page landed with rows that all
 * had ids. The second is a read whose refresh was already ended (finish_refresh forgot its ids) while its
 * checkpoint stayed open, as a 'pending' verdict once left it (entities/refresh.ts): with no total to check
 * the resumed pages against, every live row of the window would look unseen.
 */
async function resumedBlind(ctx: EntityContext, cursor: TransactionsCursor): Promise<boolean> {
  const refresh = refreshOf(ctx, cursor);
  if (await seenLost(ctx.db, refresh)) return true;
  return (cursor.anonymous ?? 0) === 0 && (await seenCount(ctx.db, refresh)) === 0;
}

function refreshOf(ctx: EntityContext, cursor: TransactionsCursor) {
  return { entity: 'transactions' as const, companyId: ctx.companyId, refreshId: cursor.refreshId };
}

/**
 * The window's pages from `cursor.page` until an empty page, each landed under the refresh. Returns the
 * rows of the whole read rejected without an id, and the rows this call read.
 */
async function readWindow(
  ctx: EntityContext,
  cursor: TransactionsCursor,
): Promise<{ anonymous: number; rows: number }> {
  let anonymous = cursor.anonymous ?? 0;
  let rows = 0;
  const pages = iteratePages(
    (page, count) =>
      ctx.yc.transactionsPage(ctx.companyId, { page, count, startDate: cursor.from, endDate: cursor.to }),
    {
      label: 'transactions',
      pageSize: TRANSACTIONS_PAGE_SIZE,
      startPage: cursor.page,
      stop: 'empty',
      // the end of a list with no total is only an empty page: the short last page (or the empty one)
      // is asked again, and a page cut short mid-list too, so a bad answer cannot end a history early
      recheck: true,
      readAhead: true,
    },
  );
  for await (const page of pages) {
    if (page.rows.length + page.rejected.length === 0) break;
    anonymous += anonymousRejects(page);
    rows += page.rows.length + page.rejected.length;
    await landPage(ctx, 'transactions', page, {
      refreshId: cursor.refreshId,
      checkpoint: {
        last_id: page.rows.at(-1)?.id ?? null,
        page_size: TRANSACTIONS_PAGE_SIZE,
        cursor: { ...cursor, page: page.page + 1, anonymous },
      },
    });
  }
  return { anonymous, rows };
}
