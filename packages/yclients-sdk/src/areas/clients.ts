/**
 * Clients: the deprecated full-profile list (the only bulk source of categories, custom fields and
 * birth dates, with `changed_after`) and the search (a projection of a few fields).
 */
import { clientNeedsZone, normaliseClient } from '../normalise/clients';
import { PAGE_SIZES } from '../page-sizes';
import type { CountedPage } from '../pages';
import type { Client } from '../types';
import { type AreaContext, listAnswer, listOf, totalFor } from './context';

/** Fields a search page returns (the endpoint drops anything else; yclients-open-questions Q8). */
export const CLIENT_SEARCH_FIELDS = [
  'id',
  'name',
  'phone',
  'email',
  'discount',
  'first_visit_date',
  'last_visit_date',
  'sold_amount',
  'visits_count',
  'deposit_balance',
] as const;

export interface ListPageOptions {
  /** 1-based page number. */
  page: number;
  /** Rows per page; the default is the list's entry in `PAGE_SIZES`. */
  count?: number;
  signal?: AbortSignal;
  /**
   * The company's IANA zone (`company(id).timezone`), for times the API sends without an offset. When
   * absent and an answer holds such a time, the SDK looks the zone up itself (once per company per
   * client): see the README, "Time zones".
   */
  timeZone?: string;
}

export interface ClientsPageOptions extends ListPageOptions {
  /** Naive company-local `YYYY-MM-DDTHH:MM:SS`: clients created or changed since then. */
  changedAfter?: string;
}

export interface SearchClientsPageOptions {
  /** 1-based page number. */
  page: number;
  /** @default PAGE_SIZES.clientsSearch (200, the most the endpoint gives) */
  pageSize?: number;
  /** @default CLIENT_SEARCH_FIELDS */
  fields?: readonly string[];
  signal?: AbortSignal;
  /** As in `ListPageOptions`. */
  timeZone?: string;
}

export interface ClientMethods {
  /** `GET /clients/{id}`: full profiles, id ascending, `meta.total_count`. */
  clientsPage(companyId: number, options: ClientsPageOptions): Promise<CountedPage<Client>>;
  /** `POST /company/{id}/clients/search`, id ascending; only the projected fields are set. */
  searchClientsPage(companyId: number, options: SearchClientsPageOptions): Promise<CountedPage<Client>>;
}

export function clients(ctx: AreaContext): ClientMethods {
  const { api } = ctx;

  async function normalised(companyId: number, wire: readonly unknown[], timeZone: string | undefined) {
    const zone = await ctx.zoneFor(companyId, timeZone, wire.some(clientNeedsZone));
    return listOf(wire, (row) => normaliseClient(row, zone ? { companyTimeZone: zone } : {}));
  }

  return {
    async clientsPage(companyId, { page, count = PAGE_SIZES.clients, changedAfter, signal, timeZone }) {
      const { data } = await api.GET('/clients/{company_id}', {
        params: {
          path: { company_id: companyId },
          query: { page, count, changed_after: changedAfter || undefined },
        },
        signal,
      });
      const { rows, meta } = listAnswer(data);
      return {
        page,
        ...(await normalised(companyId, rows, timeZone)),
        totalCount: totalFor(meta, page, count, rows.length),
      };
    },

    async searchClientsPage(
      companyId,
      { page, pageSize = PAGE_SIZES.clientsSearch, fields = CLIENT_SEARCH_FIELDS, signal, timeZone },
    ) {
      // Ordered by id ascending so pages stay stable (yclients-open-questions Q1).
      const { data } = await api.POST('/company/{company_id}/clients/search', {
        params: { path: { company_id: companyId } },
        body: { page, page_size: pageSize, fields: [...fields], order_by: 'id', order_by_direction: 'ASC' },
        signal,
      });
      const { rows, meta } = listAnswer(data);
      return {
        page,
        ...(await normalised(companyId, rows, timeZone)),
        totalCount: totalFor(meta, page, pageSize, rows.length),
      };
    },
  };
}
