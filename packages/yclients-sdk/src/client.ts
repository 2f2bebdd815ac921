/**
 * `createYclientsClient`: the typed openapi-fetch client for the YClients paths we describe, running on
 * our transport (shared budget, retries, timeouts, typed errors), plus page iterators and the
 * normalising convenience methods the sync calls.
 */
import createFetchClient, { type Client as FetchClient } from 'openapi-fetch';
import { type BudgetStats, RequestBudget } from './budget';
import { YclientsApiError, YclientsAuthError, YclientsError } from './errors';
import type { components, paths } from './generated/schema';
import {
  DEFAULT_SERVER_OFFSET,
  type NormaliseOptions,
  noRepairs,
  normaliseAccount,
  normaliseClient,
  normaliseClientLabel,
  normaliseCompany,
  normalisePosition,
  normaliseRecord,
  normaliseService,
  normaliseServiceCategory,
  normaliseStaff,
  normaliseTransaction,
  type Repairs,
  recordNeedsZone,
  sanitiseWire,
} from './normalise';
import { withoutDocuments } from './normalise/records';
import { normaliseRows, type RejectedRow } from './normalise/rows';
import { iteratePages, type Page, type PagesOptions, totalOf } from './pages';
import { createTransport, type YclientsHooks } from './transport';
import type {
  Account,
  Client,
  ClientLabel,
  Company,
  Position,
  Service,
  ServiceCategory,
  Staff,
  Transaction,
  YcRecord,
} from './types';

export const DEFAULT_BASE_URL = 'https://api.yclients.com/api/v1';
/**
 * Well above a full page of 1000 records, and small enough for the sync's 128 MB heap: a 13 MB page of
 * 1000 records, every one repaired, was read, sanitised and normalised within an 80 MB heap.
 */
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Response format 2.0: always `success`, `data`, `meta` (yclients-api.md §1). */
export const ACCEPT = 'application/vnd.yclients.v2+json';
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

interface CommonOptions {
  /** The partner ("Bearer") token. */
  partnerToken: string;
  /** Default https://api.yclients.com/api/v1. */
  baseUrl?: string;
  /** Sends per rolling second (default 5). */
  rps?: number;
  /** Sends per rolling minute (default 200). */
  rpm?: number;
  /** Per-attempt timeout, ms (default 30 000), reading the body included. */
  timeoutMs?: number;
  /**
   * Largest answer body read, in bytes (default 16 MiB); a larger one fails with `response_too_large`
   * (retried like a network error) instead of exhausting the heap.
   */
  maxResponseBytes?: number;
  /** Retries of an idempotent request after the first attempt (default 4). */
  retries?: number;
  /** Backoff base and ceiling for full-jitter retries, ms (defaults 500 and 30 000). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured, ms (default 60 000). */
  retryAfterMaxMs?: number;
  /** Extra width of each budget window, ms (default 50), against network jitter. */
  budgetMarginMs?: number;
  /** Offset of YClients' server clock for naive finance timestamps (default `+04:00`). */
  serverOffset?: string;
  fetch?: typeof fetch;
  hooks?: YclientsHooks;
}

export type YclientsClientOptions = CommonOptions &
  (
    | { userToken: string; login?: string; password?: string }
    | { userToken?: undefined; login: string; password: string }
  );

type Schemas = components['schemas'];

export interface ListPageOptions {
  page: number;
  count?: number;
  signal?: AbortSignal;
}

export interface ClientsPageOptions extends ListPageOptions {
  /** Naive company-local `YYYY-MM-DDTHH:MM:SS`: clients created or changed since then. */
  changedAfter?: string;
}

export interface RecordsPageOptions extends ListPageOptions {
  /** Visit dates `YYYY-MM-DD`, company-local; `endDate` covers only up to 23:59:00. */
  startDate?: string;
  endDate?: string;
  /** Naive company-local `YYYY-MM-DDTHH:MM:SS`. */
  changedAfter?: string;
  changedBefore?: string;
  withDeleted?: boolean;
  staffId?: number;
  clientId?: number;
  includeFinanceTransactions?: boolean;
  /** The company's IANA zone; defaults to the one `company()` saw, else it is looked up. */
  timeZone?: string;
}

export interface TransactionsPageOptions extends ListPageOptions {
  startDate: string;
  endDate: string;
  accountId?: number;
  clientId?: number;
  /** 1: only deleted rows (a filter, rows carry no flag). */
  deleted?: 0 | 1;
}

export interface SearchClientsPageOptions {
  page: number;
  pageSize?: number;
  fields?: readonly string[];
  signal?: AbortSignal;
}

/**
 * A normalised list: the rows that normalised, the wire rows that did not (to quarantine, never to
 * merge) and what sanitising changed in all of them.
 */
export interface ListResult<Row> {
  rows: Row[];
  rejected: RejectedRow[];
  repairs: Repairs;
}
/** One page of a list. It is empty only when both `rows` and `rejected` are. */
export interface RowsPage<Row> extends ListResult<Row> {
  page: number;
}
export interface CountedPage<Row> extends RowsPage<Row> {
  totalCount: number;
}

/** Paths with a GET, and what their list pages hold. */
type GetPath = { [P in keyof paths]: NonNullable<paths[P]['get']> extends never ? never : P }[keyof paths];
type GetOp<P extends GetPath> = NonNullable<paths[P]['get']>;
type Json200<P extends GetPath> =
  GetOp<P> extends { responses: { 200: { content: { 'application/json': infer J } } } } ? J : never;
export type RowOf<P extends GetPath> =
  Json200<P> extends { data?: (infer R)[] } ? R : Json200<P> extends (infer R)[] ? R : unknown;
export type PagesInit<P extends GetPath> = {
  params: {
    path: GetOp<P>['parameters']['path'];
    query?: Partial<NonNullable<GetOp<P>['parameters']['query']>>;
  };
  signal?: AbortSignal;
};

export interface YclientsHelpers {
  /** Logs in with login + password (once; never retried). Called on the first request when needed. */
  authenticate(): Promise<void>;
  /** Requests sent, waits and time waited in the shared budget. */
  readonly budget: Readonly<BudgetStats>;
  /** `for await (const page of yc.pages('/records/{company_id}', init, { pageSize: 1000 }))`. */
  pages<P extends GetPath>(
    path: P,
    init: PagesInit<P>,
    options: PagesOptions,
  ): AsyncGenerator<Page<RowOf<P>>, void, undefined>;

  company(companyId: number): Promise<Company>;
  positions(companyId: number): Promise<ListResult<Position>>;
  staff(companyId: number): Promise<ListResult<Staff>>;
  serviceCategories(companyId: number): Promise<ListResult<ServiceCategory>>;
  services(companyId: number): Promise<ListResult<Service>>;
  clientLabels(companyId: number): Promise<ListResult<ClientLabel>>;
  accounts(companyId: number): Promise<ListResult<Account>>;
  clientsPage(companyId: number, options: ClientsPageOptions): Promise<CountedPage<Client>>;
  searchClientsPage(companyId: number, options: SearchClientsPageOptions): Promise<CountedPage<Client>>;
  recordsPage(companyId: number, options: RecordsPageOptions): Promise<CountedPage<YcRecord>>;
  transactionsPage(companyId: number, options: TransactionsPageOptions): Promise<RowsPage<Transaction>>;

  createClient(companyId: number, body: Schemas['ClientWrite']): Promise<Client>;
  updateClient(companyId: number, clientId: number, body: Schemas['ClientWrite']): Promise<Client>;
  deleteClient(companyId: number, clientId: number): Promise<void>;
  createRecord(companyId: number, body: Schemas['RecordWrite']): Promise<YcRecord>;
  updateRecord(companyId: number, recordId: number, body: Schemas['RecordWrite']): Promise<YcRecord>;
  deleteRecord(companyId: number, recordId: number): Promise<void>;
}

export type YclientsClient = FetchClient<paths, `${string}/${string}`> & YclientsHelpers;

type LooseCall = (
  path: string,
  init: { params?: unknown; body?: unknown; signal?: AbortSignal },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export function createYclientsClient(options: YclientsClientOptions): YclientsClient {
  if (!options.partnerToken) throw new TypeError('createYclientsClient: partnerToken is required');
  if (!options.userToken && !(options.login && options.password)) {
    throw new TypeError('createYclientsClient: give userToken, or login and password');
  }
  const serverOffset = options.serverOffset ?? DEFAULT_SERVER_OFFSET;
  const budget = new RequestBudget({
    rps: options.rps ?? 5,
    rpm: options.rpm ?? 200,
    marginMs: options.budgetMarginMs ?? 50,
  });
  const templates = new WeakMap<Request, string>();
  const zones = new Map<number, string>();
  let userToken = options.userToken;
  let loggingIn: Promise<void> | null = null;

  const authorization = (path: string) =>
    path === '/auth' || !userToken
      ? `Bearer ${options.partnerToken}`
      : `Bearer ${options.partnerToken}, User ${userToken}`;

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
    templateOf: (request) => templates.get(request),
    authorization: async (path) => {
      if (path !== '/auth' && !userToken) await authenticate();
      return authorization(path);
    },
  });

  const api = createFetchClient<paths>({
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    fetch: transport,
    headers: { Accept: ACCEPT, 'Content-Type': 'application/json' },
  });
  api.use({
    onRequest({ request, schemaPath }) {
      templates.set(request, schemaPath);
    },
  });
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE') => api[method] as unknown as LooseCall;

  function authenticate(): Promise<void> {
    loggingIn ??= login().finally(() => {
      loggingIn = null;
    });
    return loggingIn;
  }

  async function login(): Promise<void> {
    if (!options.login || !options.password) {
      throw new YclientsAuthError({
        method: 'POST',
        path: '/auth',
        status: 0,
        apiMessage: 'no login and password to authenticate with',
      });
    }
    let result: Awaited<ReturnType<LooseCall>>;
    try {
      result = await call('POST')('/auth', { body: { login: options.login, password: options.password } });
    } catch (error) {
      // Any refusal of /auth (wrong password is a 4xx or `success:false`) is a credentials problem.
      if (error instanceof YclientsApiError && !(error instanceof YclientsAuthError) && error.status < 500) {
        throw new YclientsAuthError({
          method: 'POST',
          path: '/auth',
          status: error.status,
          apiMessage: error.apiMessage ?? 'login refused',
        });
      }
      throw error;
    }
    const { response } = result;
    if (response.status === 200) {
      throw new YclientsAuthError(
        {
          method: 'POST',
          path: '/auth',
          status: 200,
          apiMessage:
            'two-factor authentication is enabled for this YClients user; use a user token (YCLIENTS_USER_TOKEN) instead of login and password',
        },
        'two_factor_required',
      );
    }
    const token = (result.data as { data?: { user_token?: unknown } } | undefined)?.data?.user_token;
    if (typeof token !== 'string' || token === '') {
      throw new YclientsAuthError({
        method: 'POST',
        path: '/auth',
        status: response.status,
        apiMessage: 'no user_token in the answer',
      });
    }
    userToken = token;
  }

  /** The `data` rows and `meta` of a list answer (labels may come as a bare array). */
  async function getList(
    path: string,
    params: unknown,
    signal?: AbortSignal,
  ): Promise<{ rows: unknown[]; meta: unknown }> {
    const { data } = await call('GET')(path, { params, ...(signal ? { signal } : {}) });
    if (Array.isArray(data)) return { rows: data, meta: undefined };
    const envelope = data as { data?: unknown; meta?: unknown } | undefined;
    return { rows: Array.isArray(envelope?.data) ? envelope.data : [], meta: envelope?.meta };
  }

  async function getOne(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    params: unknown,
    body?: unknown,
  ): Promise<unknown> {
    const { data } = await call(method)(path, { params, ...(body === undefined ? {} : { body }) });
    return (data as { data?: unknown } | undefined)?.data;
  }

  /**
   * A page total for the sync's stop rule. When `meta` has none, assume one more page exists after a
   * full page (the next, empty page then ends the scan) rather than stopping early and losing rows.
   * `rows` counts the wire rows, rejected ones included.
   */
  function totalFor(meta: unknown, page: number, count: number, rows: number): number {
    return totalOf(meta) ?? (page - 1) * count + rows + (rows >= count ? 1 : 0);
  }

  async function zoneFor(companyId: number, rows: unknown[], given?: string): Promise<string | undefined> {
    const known = given ?? zones.get(companyId);
    if (known || !rows.some(recordNeedsZone)) return known;
    return (await helpers.company(companyId)).timezone;
  }

  /** Wire rows sanitised and normalised one by one; the rows the normaliser refuses are set aside. */
  function listOf<Row>(wire: readonly unknown[], normalise: (raw: unknown) => Row): ListResult<Row> {
    const repairs = noRepairs();
    return { ...normaliseRows(wire, normalise, repairs), repairs };
  }

  /** A single answer (a company, a written row) is sanitised too, but a bad one still throws. */
  const sanitiseOne = (value: unknown) => sanitiseWire(value, noRepairs());

  const opts = (companyId: number, timeZone?: string): NormaliseOptions => {
    const zone = timeZone ?? zones.get(companyId);
    return { serverOffset, ...(zone ? { companyTimeZone: zone } : {}) };
  };

  const helpers: YclientsHelpers = {
    authenticate,
    get budget() {
      return budget.stats;
    },

    pages(path, init, pageOptions) {
      const pageParam = pageOptions.pageParam ?? 'page';
      const sizeParam = pageOptions.sizeParam ?? 'count';
      return iteratePages(
        async (page, pageSize) => {
          const params = {
            ...init.params,
            query: { ...(init.params.query ?? {}), [pageParam]: page, [sizeParam]: pageSize },
          };
          const { rows, meta } = await getList(path, params, init.signal);
          const totalCount = totalOf(meta);
          return { page, rows: rows as never[], ...(totalCount === undefined ? {} : { totalCount }) };
        },
        { ...pageOptions, label: path },
      );
    },

    async company(companyId) {
      const company = normaliseCompany(
        sanitiseOne(await getOne('GET', '/company/{company_id}', { path: { company_id: companyId } })),
      );
      zones.set(companyId, company.timezone);
      return company;
    },
    async positions(companyId) {
      const { rows } = await getList('/company/{company_id}/staff/positions', {
        path: { company_id: companyId },
      });
      return listOf(rows, normalisePosition);
    },
    async staff(companyId) {
      const { rows } = await getList('/company/{company_id}/staff', { path: { company_id: companyId } });
      return listOf(rows, normaliseStaff);
    },
    async serviceCategories(companyId) {
      const { rows } = await getList('/company/{company_id}/service_categories', {
        path: { company_id: companyId },
      });
      return listOf(rows, normaliseServiceCategory);
    },
    async services(companyId) {
      const { rows } = await getList('/company/{company_id}/services', { path: { company_id: companyId } });
      return listOf(rows, normaliseService);
    },
    async clientLabels(companyId) {
      const { rows } = await getList('/labels/{company_id}/{entity}', {
        path: { company_id: companyId, entity: 1 },
      });
      return listOf(rows, normaliseClientLabel);
    },
    async accounts(companyId) {
      const { rows } = await getList('/accounts/{company_id}', { path: { company_id: companyId } });
      return listOf(rows, normaliseAccount);
    },

    async clientsPage(companyId, { page, count = 300, changedAfter, signal }) {
      const query = { page, count, ...(changedAfter ? { changed_after: changedAfter } : {}) };
      const { rows, meta } = await getList(
        '/clients/{company_id}',
        { path: { company_id: companyId }, query },
        signal,
      );
      const o = opts(companyId);
      return {
        page,
        ...listOf(rows, (r) => normaliseClient(r, o)),
        totalCount: totalFor(meta, page, count, rows.length),
      };
    },

    async searchClientsPage(companyId, { page, pageSize = 200, fields = CLIENT_SEARCH_FIELDS, signal }) {
      // Ordered by id ascending so pages stay stable (yclients-open-questions Q1).
      const body = {
        page,
        page_size: pageSize,
        fields: [...fields],
        order_by: 'id',
        order_by_direction: 'ASC',
      };
      const { data } = await call('POST')('/company/{company_id}/clients/search', {
        params: { path: { company_id: companyId } },
        body,
        ...(signal ? { signal } : {}),
      });
      const envelope = data as { data?: unknown; meta?: unknown } | undefined;
      const rows = Array.isArray(envelope?.data) ? envelope.data : [];
      const o = opts(companyId);
      return {
        page,
        ...listOf(rows, (r) => normaliseClient(r, o)),
        totalCount: totalFor(envelope?.meta, page, pageSize, rows.length),
      };
    },

    async recordsPage(companyId, o) {
      const count = o.count ?? 1000;
      const query = {
        page: o.page,
        count,
        ...(o.startDate ? { start_date: o.startDate } : {}),
        ...(o.endDate ? { end_date: o.endDate } : {}),
        ...(o.changedAfter ? { changed_after: o.changedAfter } : {}),
        ...(o.changedBefore ? { changed_before: o.changedBefore } : {}),
        ...(o.withDeleted ? { with_deleted: 1 as const } : {}),
        ...(o.staffId ? { staff_id: o.staffId } : {}),
        ...(o.clientId ? { client_id: o.clientId } : {}),
        ...(o.includeFinanceTransactions ? { include_finance_transactions: 1 as const } : {}),
      };
      const { rows, meta } = await getList(
        '/records/{company_id}',
        { path: { company_id: companyId }, query },
        o.signal,
      );
      const zone = await zoneFor(companyId, rows, o.timeZone);
      const n = opts(companyId, zone);
      return {
        page: o.page,
        ...listOf(rows.map(withoutDocuments), (r) => normaliseRecord(r, n)),
        totalCount: totalFor(meta, o.page, count, rows.length),
      };
    },

    async transactionsPage(companyId, o) {
      const query = {
        page: o.page,
        count: o.count ?? 200,
        start_date: o.startDate,
        end_date: o.endDate,
        ...(o.accountId ? { account_id: o.accountId } : {}),
        ...(o.clientId ? { client_id: o.clientId } : {}),
        ...(o.deleted !== undefined ? { deleted: o.deleted } : {}),
      };
      const { rows } = await getList(
        '/transactions/{company_id}',
        { path: { company_id: companyId }, query },
        o.signal,
      );
      const n = opts(companyId);
      return { page: o.page, ...listOf(rows, (r) => normaliseTransaction(r, n)) };
    },

    async createClient(companyId, body) {
      return normaliseClient(
        sanitiseOne(await created('/clients/{company_id}', { path: { company_id: companyId } }, body)),
        opts(companyId),
      );
    },
    async updateClient(companyId, clientId, body) {
      const params = { path: { company_id: companyId, client_id: clientId } };
      return normaliseClient(
        sanitiseOne(await getOne('PUT', '/client/{company_id}/{client_id}', params, body)),
        opts(companyId),
      );
    },
    async deleteClient(companyId, clientId) {
      await call('DELETE')('/client/{company_id}/{client_id}', {
        params: { path: { company_id: companyId, client_id: clientId } },
      });
    },
    async createRecord(companyId, body) {
      return normaliseRecord(
        sanitiseOne(await created('/records/{company_id}', { path: { company_id: companyId } }, body)),
        opts(companyId),
      );
    },
    async updateRecord(companyId, recordId, body) {
      const params = { path: { company_id: companyId, record_id: recordId } };
      return normaliseRecord(
        sanitiseOne(await getOne('PUT', '/record/{company_id}/{record_id}', params, body)),
        opts(companyId),
      );
    },
    async deleteRecord(companyId, recordId) {
      await call('DELETE')('/record/{company_id}/{record_id}', {
        params: { path: { company_id: companyId, record_id: recordId } },
      });
    },
  };

  async function created(path: string, params: unknown, body: unknown): Promise<unknown> {
    const row = await getOne('POST', path, params, body);
    if (row === undefined || row === null)
      throw new YclientsError('invalid_row', `POST ${path}: the answer holds no created row`);
    return row;
  }

  return Object.assign(api, helpers) as YclientsClient;
}
