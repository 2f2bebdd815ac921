/**
 * `createYclientsClient`: the typed openapi-fetch client for the described YClients paths, running on
 * our transport (shared budget, retries, timeouts, typed errors), with authorisation as middleware and
 * the normalising methods of each area (catalogs, clients, records, transactions, writes) on top.
 */
import openapiFetch from 'openapi-fetch';
import { type CatalogMethods, catalogs, fetchCompany } from './areas/catalogs';
import { type ClientMethods, clients } from './areas/clients';
import type { Api, AreaContext } from './areas/context';
import { type RecordMethods, records } from './areas/records';
import { type TransactionMethods, transactions } from './areas/transactions';
import { type WriteMethods, writes } from './areas/writes';
import { type BudgetStats, RequestBudget } from './budget';
import type { paths } from './generated/schema';
import { createAuth, type LoginResult, type TwoFactorChallenge } from './middleware/auth';
import { pathTemplates } from './middleware/path-template';
import { isTimeZone } from './normalise/company';
import { DEFAULT_SERVER_OFFSET } from './normalise/values';
import { PAGE_SIZES } from './page-sizes';
import { type IteratedPage, iteratePages, type Page, type PagesOptions, totalOf } from './pages';
import { createTransport, type YclientsHooks } from './transport';

export const DEFAULT_BASE_URL = 'https://api.yclients.com/api/v1';
/**
 * Well above a full page of 1000 records, and small enough for the sync's 128 MB heap: a 13 MB page of
 * 1000 records, every one repaired, was read, sanitised and normalised within an 80 MB heap.
 */
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Response format 2.0: always `success`, `data`, `meta` (yclients-api.md §1). */
const ACCEPT = 'application/vnd.yclients.v2+json';

interface CommonOptions {
  /** The partner ("Bearer") token. */
  partnerToken: string;
  /** @default 'https://api.yclients.com/api/v1' (`DEFAULT_BASE_URL`); Altegio: `https://api.alteg.io/api/v1` */
  baseUrl?: string;
  /** Sends per rolling second. @default 5 */
  rps?: number;
  /** Sends per rolling minute. @default 200 */
  rpm?: number;
  /** Per-attempt timeout in ms, reading the body included. @default 30000 */
  timeoutMs?: number;
  /**
   * Largest answer body read, in bytes; a larger one fails with `response_too_large` (retried like a
   * network error) instead of exhausting the heap. @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number;
  /** Retries of an idempotent request after the first attempt. @default 4 */
  retries?: number;
  /** Backoff base for full-jitter retries, ms. @default 500 */
  retryBaseMs?: number;
  /** Backoff ceiling, ms. @default 30000 */
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured, ms. @default 60000 */
  retryAfterMaxMs?: number;
  /** Extra width of each budget window, ms, against network jitter. @default 50 */
  budgetMarginMs?: number;
  /** Offset of YClients' server clock for naive finance timestamps. @default '+04:00' */
  serverOffset?: string;
  /** @default globalThis.fetch (resolved on each call, so a fetch patched later is used) */
  fetch?: typeof fetch;
  /** Logging hooks; their payloads never hold a token, a password, a query or a body. */
  hooks?: YclientsHooks;
}

export type YclientsClientOptions = CommonOptions &
  (
    | { userToken: string; login?: string; password?: string }
    | { userToken?: undefined; login: string; password: string }
  );

/** The paged list paths `pages()` reads raw. */
export type PagedPath = '/records/{company_id}' | '/clients/{company_id}' | '/transactions/{company_id}';
type GetOf<P extends PagedPath> = paths[P]['get'];
type Json200<P extends PagedPath> = GetOf<P>['responses'][200]['content']['application/json'];
/** A wire row of a paged list, as the generated types describe it (not normalised). */
export type RowOf<P extends PagedPath> = NonNullable<Json200<P>['data']>[number];
/** Path and query parameters of a `pages()` read; `page` and `count` are the iteration's. */
export interface PagesInit<P extends PagedPath> {
  params: {
    path: GetOf<P>['parameters']['path'];
    query?: Omit<NonNullable<GetOf<P>['parameters']['query']>, 'page' | 'count'>;
  };
  signal?: AbortSignal;
}
/** `pages()` options: `pageSize` defaults to the list's entry in `PAGE_SIZES`. */
export type RawPagesOptions = Omit<PagesOptions, 'pageSize'> & { pageSize?: number };

export interface YclientsHelpers {
  /** Logs in with login + password (once; never retried). Called on the first request when needed. */
  authenticate(): Promise<void>;
  /**
   * Two-factor login, step 1: `POST /auth` with the client's login and password. Gives the user token
   * (also used by this client from now on), or the challenge when YClients has sent a code.
   */
  login(): Promise<LoginResult>;
  /**
   * Two-factor login, step 2: the code the user received, for `challenge` (or its `uuid`). Gives the user
   * token (used by this client from now on), or a new challenge should YClients answer with one. A code
   * YClients refuses throws `YclientsAuthError` with code `two_factor_refused`. Sent once, never retried.
   */
  submitTwoFactorCode(challenge: TwoFactorChallenge | string, code: string): Promise<LoginResult>;
  /** Requests sent, waits and time waited in the shared budget. */
  readonly budget: Readonly<BudgetStats>;
  /**
   * Raw wire rows of a paged list, page by page (`yc.pages('/records/{company_id}', init)`), stopping
   * as `iteratePages` does; each page says whether it is the `last`.
   */
  pages<P extends PagedPath>(
    path: P,
    init: PagesInit<P>,
    options?: RawPagesOptions,
  ): AsyncGenerator<IteratedPage<Page<RowOf<P>>>, void, undefined>;
}

/**
 * The openapi-fetch client (`GET`, `POST`, `PUT`, `DELETE`, `use`, … typed by `paths`) plus the
 * normalising methods of each area.
 */
export type YclientsClient = Api &
  YclientsHelpers &
  CatalogMethods &
  ClientMethods &
  RecordMethods &
  TransactionMethods &
  WriteMethods;

const OFFSET = /^[+-]\d{2}:?\d{2}$|^Z$/i;

type FetchClientFactory = typeof openapiFetch;
/**
 * openapi-fetch's factory, in both builds. The ESM build gets it as the default export. The CommonJS
 * build (tsup/esbuild, from a `"type": "module"` package) imports CommonJS the way Node does, so there
 * the default import is openapi-fetch's whole `exports`, whose `default` is the factory.
 * test/package.test.ts runs both builds.
 */
function factoryOf(imported: FetchClientFactory | { default: FetchClientFactory }): FetchClientFactory {
  return typeof imported === 'function' ? imported : imported.default;
}
const createFetchClient = factoryOf(openapiFetch);

export function createYclientsClient(options: YclientsClientOptions): YclientsClient {
  if (!options.partnerToken) throw new TypeError('createYclientsClient: partnerToken is required');
  if (!options.userToken && !(options.login && options.password)) {
    throw new TypeError('createYclientsClient: give userToken, or login and password');
  }
  const budget = new RequestBudget({
    rps: options.rps ?? 5,
    rpm: options.rpm ?? 200,
    marginMs: options.budgetMarginMs ?? 50,
  });
  const templates = pathTemplates();
  const transport = createTransport({
    // Resolved per call, so a fetch patched after creation (msw, undici agents) is used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    budget,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    retries: options.retries ?? 4,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    retryAfterMaxMs: options.retryAfterMaxMs ?? 60_000,
    hooks: options.hooks ?? {},
    templateOf: templates.templateOf,
  });
  const api: Api = createFetchClient<paths>({
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    fetch: transport,
    headers: { Accept: ACCEPT, 'Content-Type': 'application/json' },
  });
  const auth = createAuth(options, api);
  api.use(templates.middleware, auth.middleware);

  /**
   * The zone for naive company-local times: the caller's when given (checked, so a typo fails the call
   * instead of every row); else, only when an answer holds such a time, the company's own, looked up
   * with one `GET /company/{id}` per company for the life of this client. The lookup keeps nothing
   * from `company()` calls, so no result depends on what the caller asked before.
   */
  const lookups = new Map<number, Promise<string>>();
  async function zoneFor(companyId: number, given: string | undefined, needed: boolean) {
    if (given) {
      if (!OFFSET.test(given) && !isTimeZone(given)) {
        throw new TypeError(`timeZone ${JSON.stringify(given)} is neither an IANA zone nor an offset`);
      }
      return given;
    }
    if (!needed) return undefined;
    let lookup = lookups.get(companyId);
    if (!lookup) {
      lookup = fetchCompany(api, companyId).then((company) => company.timezone);
      lookups.set(companyId, lookup);
      lookup.catch(() => lookups.delete(companyId));
    }
    return lookup;
  }

  const ctx: AreaContext = {
    api,
    serverOffset: options.serverOffset ?? DEFAULT_SERVER_OFFSET,
    zoneFor,
  };

  type Readers = {
    [P in PagedPath]: (init: PagesInit<P>, page: number, count: number) => Promise<Page<RowOf<P>>>;
  };
  const readers: Readers = {
    '/records/{company_id}': async ({ params, signal }, page, count) =>
      rawPage(
        page,
        (
          await api.GET('/records/{company_id}', {
            params: { ...params, query: { ...params.query, page, count } },
            signal,
          })
        ).data,
      ),
    '/clients/{company_id}': async ({ params, signal }, page, count) =>
      rawPage(
        page,
        (
          await api.GET('/clients/{company_id}', {
            params: { ...params, query: { ...params.query, page, count } },
            signal,
          })
        ).data,
      ),
    '/transactions/{company_id}': async ({ params, signal }, page, count) =>
      rawPage(
        page,
        (
          await api.GET('/transactions/{company_id}', {
            params: { ...params, query: { ...params.query, page, count } },
            signal,
          })
        ).data,
      ),
  };
  const sizes: Record<PagedPath, number> = {
    '/records/{company_id}': PAGE_SIZES.records,
    '/clients/{company_id}': PAGE_SIZES.clients,
    '/transactions/{company_id}': PAGE_SIZES.transactions,
  };

  const helpers: YclientsHelpers = {
    authenticate: auth.authenticate,
    login: auth.login,
    submitTwoFactorCode: auth.submitTwoFactorCode,
    get budget() {
      return budget.stats;
    },
    pages(path, init, pageOptions = {}) {
      const read = readers[path];
      return iteratePages((page, count) => read(init, page, count), {
        ...pageOptions,
        pageSize: pageOptions.pageSize ?? sizes[path],
        label: path,
      });
    },
  };

  return Object.assign(
    api,
    helpers,
    catalogs(ctx),
    clients(ctx),
    records(ctx),
    transactions(ctx),
    writes(ctx),
  );
}

/** A raw page: the wire rows and the total `meta` reports, if any. */
function rawPage<Row>(page: number, data: { data?: Row[]; meta?: unknown } | undefined): Page<Row> {
  const totalCount = totalOf(data?.meta);
  return { page, rows: data?.data ?? [], ...(totalCount === undefined ? {} : { totalCount }) };
}
