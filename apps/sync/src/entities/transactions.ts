/**
 * Financial transactions: no total count and no deleted flag on rows, so pages are read until an
 * EMPTY page (a short page is not the end: the server may clamp `count`). The first run loads the
 * whole history; later runs re-read a rolling window of company-local days
 * (YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS) and reconcile inside it: a row gone from the window was
 * deleted upstream. `--full` re-reads everything (a weekly cron line catches older changes).
 */
import { iteratePages } from '@yclients-pg/sdk';
import { finishRefresh } from '../db/merge';
import { writeCheckpoint } from '../db/state';
import { addDays, localDate } from '../time';
import type { EntityPipeline } from './context';
import { landPage } from './land-page';

export const TRANSACTIONS_PAGE_SIZE = 200;
/** The full history starts here: YClients predates none of its salons' finance records. */
const HISTORY_START = '2000-01-01';

interface TransactionsCursor {
  mode: 'history' | 'window';
  from: string;
  to: string;
  page: number;
  refreshId: number;
  loaded: boolean;
}

export const transactions: EntityPipeline = async (ctx) => {
  const saved = ctx.state?.cursor as Partial<TransactionsCursor> | null | undefined;
  const today = localDate(ctx.runStartedAt, ctx.timeZone);
  let cursor: TransactionsCursor;
  if (!ctx.full && saved?.page && saved.refreshId && saved.from && saved.to && saved.mode) {
    cursor = saved as TransactionsCursor; // an interrupted read: resume at its next page
    ctx.log.info('transactions: resuming an interrupted read', { page: cursor.page });
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
  }
  ctx.progress.start(`transactions (${cursor.mode === 'history' ? 'history' : `since ${cursor.from}`})`);
  const pages = iteratePages(
    (page, count) =>
      ctx.yc.transactionsPage(ctx.companyId, { page, count, startDate: cursor.from, endDate: cursor.to }),
    {
      label: 'transactions',
      pageSize: TRANSACTIONS_PAGE_SIZE,
      startPage: cursor.page,
      stop: 'empty',
      readAhead: true,
    },
  );
  for await (const { page, rows } of pages) {
    if (rows.length === 0) break;
    await landPage(ctx, 'transactions', rows, {
      refreshId: cursor.refreshId,
      checkpoint: {
        last_id: rows.at(-1)?.id ?? null,
        page_size: TRANSACTIONS_PAGE_SIZE,
        cursor: { ...cursor, page: page + 1 },
      },
    });
  }
  await ctx.db.tx(async (tx) => {
    const deleted = await finishRefresh(tx, {
      entity: 'transactions',
      companyId: ctx.companyId,
      refreshId: cursor.refreshId,
      window:
        cursor.mode === 'window'
          ? { from: `${cursor.from} 00:00:00`, to: `${cursor.to} 00:00:00`, timeZone: ctx.timeZone }
          : undefined,
    });
    ctx.removed(deleted);
    await writeCheckpoint(tx, ctx.companyId, 'transactions', {
      page_size: TRANSACTIONS_PAGE_SIZE,
      cursor: { loaded: true, lastWindow: { from: cursor.from, to: cursor.to } },
    });
  });
};
