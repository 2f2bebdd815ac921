/**
 * The page size of every paged list, stated once: the SDK's methods default to these, and a caller that
 * pages with `iteratePages` passes the same number as `pageSize`, so the stop rule and the request agree.
 * Each is the largest page the endpoint is known to give (yclients-open-questions Q2); asking for more is
 * clamped (or worse, silently answered with a default-sized page), so never ask for more.
 */
export const PAGE_SIZES = {
  /** `GET /records/{company_id}`: the server caps a page at 1,000 records. */
  records: 1000,
  /** `GET /clients/{company_id}` (full profiles, id ascending): capped at 300. */
  clients: 300,
  /** `POST /company/{company_id}/clients/search`: `page_size` at most 200. */
  clientsSearch: 200,
  /** `GET /transactions/{company_id}`: no documented maximum; 200 is proven in production. */
  transactions: 200,
} as const;

export type PagedList = keyof typeof PAGE_SIZES;
