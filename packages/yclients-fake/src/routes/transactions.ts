import type { TimelineQuery } from '../data/timeline';
import type { TransactionSkeleton } from '../data/transactions';
import type { WireRow } from '../data/wire';
import { ok } from '../http/envelope';
import { DAY_MS, parseWireTimestamp } from '../time';
import type { Route } from './context';
import { pageNumber, pageSize, timeParam } from './params';
import { dayWindow } from './records';

export const transactionRoutes: Route[] = [
  {
    // Newest first, no total (`meta: []`): callers page until an empty page.
    method: 'GET',
    template: '/transactions/{company_id}',
    auth: 'user',
    handle: (ctx) => {
      const { company, query, state } = ctx;
      const page = pageNumber(query.get('page'));
      const count = pageSize(query.get('count'), 50, state.options.limits.transactions);
      // whole local days of the company, both ends inclusive
      const window = dayWindow(ctx, company.options.offsetHours, DAY_MS - 1);
      const deleted = query.get('deleted') === '1' ? 'only' : 'exclude';
      const q: TimelineQuery<WireRow, TransactionSkeleton> = { ...window, deleted };
      if (state.options.transactionsChangedAfter) {
        const after = timeParam(ctx, 'changed_after');
        const before = timeParam(ctx, 'changed_before');
        if (after !== undefined || before !== undefined) {
          const inRange = (t: number) =>
            (after === undefined || t >= after) && (before === undefined || t <= before);
          q.filter = {
            base: (_i, sk) => inRange(sk.lastChange),
            entry: (e) => inRange(parseWireTimestamp(String(e.row.last_change_date))),
          };
          if (after !== undefined) q.scanFrom = after - 3 * 3_600_000;
          q.skipBase = after !== undefined && after > company.ctx.anchorMs;
        }
      }
      const { rows } = company.transactions.timeline.page(q, (page - 1) * count, count);
      return ok(rows, []);
    },
  },
];
