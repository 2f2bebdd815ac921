/**
 * The public API of @yclients-pg/sdk, listed on purpose: the client and its options, the page shapes
 * and iteration, the errors, the row types and the normalisers a user needs for rows obtained some other
 * way (webhooks, the raw typed client). The scalar coercions behind the normalisers stay internal.
 */

export type { CatalogMethods } from './areas/catalogs';
// The client
export type { ClientsPageOptions, ListPageOptions, SearchClientsPageOptions } from './areas/clients';
export { CLIENT_SEARCH_FIELDS, type ClientMethods } from './areas/clients';
export type { RecordMethods, RecordsPageOptions } from './areas/records';
export type { TransactionMethods, TransactionsPageOptions } from './areas/transactions';
export type { WriteMethods, WriteOptions } from './areas/writes';
export type { BudgetStats } from './budget';
export {
  createYclientsClient,
  DEFAULT_BASE_URL,
  type PagedPath,
  type PagesInit,
  type RawPagesOptions,
  type RowOf,
  type YclientsClient,
  type YclientsClientOptions,
  type YclientsHelpers,
} from './client';
// Errors
export {
  type ApiErrorDetails,
  isTransient,
  YclientsApiError,
  YclientsAuthError,
  YclientsError,
  type YclientsErrorCode,
  YclientsNetworkError,
  YclientsRateLimitError,
} from './errors';
// Rows and their normalisers
export type { components, operations, paths } from './generated/schema';
export type { LoginResult, TwoFactorChallenge, UserSession } from './middleware/auth';
export { normaliseAccount } from './normalise/accounts';
export { normaliseClientLabel } from './normalise/client-labels';
export { normaliseClient } from './normalise/clients';
export { FALLBACK_TIME_ZONE, normaliseCompany } from './normalise/company';
export { normalisePosition } from './normalise/positions';
export { normaliseRecord } from './normalise/records';
export type { RejectedRow } from './normalise/rows';
export { noRepairs, type Repairs, sanitiseWire } from './normalise/sanitise';
export { normaliseServiceCategory } from './normalise/service-categories';
export { normaliseService } from './normalise/services';
export { normaliseStaff } from './normalise/staff';
export { normaliseTransaction } from './normalise/transactions';
export { DEFAULT_SERVER_OFFSET, type NormaliseOptions, normalisePhone } from './normalise/values';
// Pages
export { PAGE_SIZES, type PagedList } from './page-sizes';
export {
  type CountedPage,
  type IteratedPage,
  isLastPage,
  iteratePages,
  type ListResult,
  type Page,
  type PagesOptions,
  type RowsPage,
  type StopRule,
  totalOf,
} from './pages';
export type { RequestEvent, ResponseEvent, RetryEvent, YclientsHooks } from './transport';
export type * from './types';
