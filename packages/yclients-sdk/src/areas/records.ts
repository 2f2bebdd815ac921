/**
 * Records (visits), read by page. Visit times are company-local: `datetime` carries the offset, but
 * some answers hold only the naive `date`, which needs the company's zone.
 */
import { normaliseRecord, recordNeedsZone, withoutDocuments } from '../normalise/records';
import { PAGE_SIZES } from '../page-sizes';
import type { CountedPage } from '../pages';
import type { YcRecord } from '../types';
import type { ListPageOptions } from './clients';
import { type AreaContext, listAnswer, listOf, totalFor } from './context';

export interface RecordsPageOptions extends ListPageOptions {
  /** Visit dates `YYYY-MM-DD`, company-local; `endDate` covers only up to 23:59:00 (ask for a day more). */
  startDate?: string;
  endDate?: string;
  /** Naive company-local `YYYY-MM-DDTHH:MM:SS`. */
  changedAfter?: string;
  changedBefore?: string;
  /** Include deleted records (flagged `deleted: true`). */
  withDeleted?: boolean;
  staffId?: number;
  clientId?: number;
  includeFinanceTransactions?: boolean;
}

export interface RecordMethods {
  /** `GET /records/{id}`: visit time order, newest first, ties unstable; `meta.total_count`. */
  recordsPage(companyId: number, options: RecordsPageOptions): Promise<CountedPage<YcRecord>>;
}

export function records(ctx: AreaContext): RecordMethods {
  return {
    async recordsPage(companyId, o) {
      const count = o.count ?? PAGE_SIZES.records;
      const { data } = await ctx.api.GET('/records/{company_id}', {
        params: {
          path: { company_id: companyId },
          query: {
            page: o.page,
            count,
            start_date: o.startDate || undefined,
            end_date: o.endDate || undefined,
            changed_after: o.changedAfter || undefined,
            changed_before: o.changedBefore || undefined,
            with_deleted: o.withDeleted ? 1 : undefined,
            staff_id: o.staffId || undefined,
            client_id: o.clientId || undefined,
            include_finance_transactions: o.includeFinanceTransactions ? 1 : undefined,
          },
        },
        signal: o.signal,
      });
      const { rows, meta } = listAnswer(data);
      const zone = await ctx.zoneFor(companyId, o.timeZone, rows.some(recordNeedsZone));
      const options = { serverOffset: ctx.serverOffset, ...(zone ? { companyTimeZone: zone } : {}) };
      return {
        page: o.page,
        ...listOf(rows.map(withoutDocuments), (row) => normaliseRecord(row, options)),
        totalCount: totalFor(meta, o.page, count, rows.length),
      };
    },
  };
}
