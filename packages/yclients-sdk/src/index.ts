export { type BudgetOptions, type BudgetStats, RequestBudget } from './budget';
export {
  ACCEPT,
  CLIENT_SEARCH_FIELDS,
  type ClientsPageOptions,
  type CountedPage,
  createYclientsClient,
  DEFAULT_BASE_URL,
  type ListPageOptions,
  type ListResult,
  type PagesInit,
  type RecordsPageOptions,
  type RowOf,
  type RowsPage,
  type SearchClientsPageOptions,
  type TransactionsPageOptions,
  type YclientsClient,
  type YclientsClientOptions,
  type YclientsHelpers,
} from './client';
export {
  type ApiErrorDetails,
  isTransient,
  maskPhones,
  YclientsApiError,
  YclientsAuthError,
  YclientsError,
  type YclientsErrorCode,
  YclientsNetworkError,
  YclientsRateLimitError,
} from './errors';
export type { components, operations, paths } from './generated/schema';
export * from './normalise';
export { isLastPage, iteratePages, type Page, type PagesOptions, type StopRule, totalOf } from './pages';
export { redactAuthorization, redactSecrets } from './redact';
export {
  READ_ONLY_POSTS,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
  retryAfterMs,
  type YclientsHooks,
} from './transport';
export type * from './types';
