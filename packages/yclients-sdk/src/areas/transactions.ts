/**
 * Financial transactions. Their times are YClients server time (`+04:00`), not company time
 * (yclients-open-questions Q7), so they need no company zone. The list has no total: page until an
 * EMPTY page (the server may clamp `count`, so a short page is not the end).
 */
import { normaliseTransaction } from '../normalise/transactions';
import { PAGE_SIZES } from '../page-sizes';
import type { RowsPage } from '../pages';
import type { Transaction } from '../types';
import type { ListPageOptions } from './clients';
import { type AreaContext, listAnswer, listOf, requireRow, sanitiseOne } from './context';

export interface TransactionsPageOptions extends Omit<ListPageOptions, 'timeZone'> {
  /** `YYYY-MM-DD`, both days included. */
  startDate: string;
  endDate: string;
  accountId?: number;
  clientId?: number;
  /** 1: only deleted rows (a filter; rows carry no flag). */
  deleted?: 0 | 1;
}

export interface TransactionMethods {
  /** `GET /transactions/{id}`: no total; `{ page, rows, rejected, repairs }`. */
  transactionsPage(companyId: number, options: TransactionsPageOptions): Promise<RowsPage<Transaction>>;
  /**
   * `GET /finance_transactions/{id}/{transaction_id}`: one transaction. Its `data` is an array holding
   * it (DOC-2026), or the object; both are read. A bad row throws `invalid_row`.
   */
  transaction(companyId: number, transactionId: number): Promise<Transaction>;
}

export function transactions(ctx: AreaContext): TransactionMethods {
  const options = { serverOffset: ctx.serverOffset };
  return {
    async transactionsPage(companyId, o) {
      const { data } = await ctx.api.GET('/transactions/{company_id}', {
        params: {
          path: { company_id: companyId },
          query: {
            page: o.page,
            count: o.count ?? PAGE_SIZES.transactions,
            start_date: o.startDate,
            end_date: o.endDate,
            account_id: o.accountId || undefined,
            client_id: o.clientId || undefined,
            deleted: o.deleted,
          },
        },
        signal: o.signal,
      });
      return { page: o.page, ...listOf(listAnswer(data).rows, (row) => normaliseTransaction(row, options)) };
    },

    async transaction(companyId, transactionId) {
      const { data } = await ctx.api.GET('/finance_transactions/{company_id}/{transaction_id}', {
        params: { path: { company_id: companyId, transaction_id: transactionId } },
      });
      const row = requireRow(data, 'GET /finance_transactions/{company_id}/{transaction_id}');
      return normaliseTransaction(sanitiseOne(row), options);
    },
  };
}
