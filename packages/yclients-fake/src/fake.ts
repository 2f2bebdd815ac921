import type { HttpHandler } from 'msw';
import type { CompanyData, EntityApi } from './data/company';
import type { WireRow } from './data/wire';
import type { Faults } from './faults';
import { answerRequest } from './fetch';
import { mswHandlers } from './msw';
import { type Credentials, type FakeOptions, resolveOptions } from './options';
import type { LoggedRequest, RequestFilter } from './request-log';
import { type Listening, listen } from './server';
import { API_BASE_PATH, Simulator } from './simulator';

/** One simulated company: its card and every entity, readable and changeable in wire form. */
export interface FakeCompany {
  id: number;
  timezoneName: string;
  /** the `GET /company/{id}` card */
  card(): WireRow;
  clients: EntityApi;
  records: EntityApi;
  transactions: EntityApi;
  staff: EntityApi;
  services: EntityApi;
  /** client labels (categories) */
  labels: EntityApi;
  positions: EntityApi;
  serviceCategories: EntityApi;
  accounts: EntityApi;
  /** rows held by mutations: the generator itself keeps nothing per row */
  mutationCount(): number;
}

export interface YclientsFake {
  /** msw handlers for `setupServer(...fake.handlers)`, answering at `fake.baseUrl` */
  handlers: HttpHandler[];
  /** the base URL the msw handlers answer: `https://api.yclients.com/api/v1` unless `mswOrigin` says otherwise */
  baseUrl: string;
  /** a `fetch` answered by the simulator in process (no msw, no sockets) */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** starts a real HTTP server; `url` ends in `/api/v1`. Port 0 (default) picks a free one. */
  listen(port?: number, host?: string): Promise<Listening>;
  credentials: Credentials;
  companyIds: number[];
  company(id: number): FakeCompany;
  faults: Faults;
  /** every API request seen since the last reset, oldest first */
  readonly requests: readonly LoggedRequest[];
  /** how many logged requests match, e.g. `count({ path: '/records/{company_id}' })` */
  count(filter?: RequestFilter): number;
  clearRequests(): void;
  /** the simulator clock: stamps `last_change_date` of mutations */
  now(): Date;
  setNow(value: Date | string | number): void;
  advance(ms: number): void;
  /** undoes every mutation and fault, empties the log and the limiters, puts the clock back */
  reset(): void;
}

export interface CreateFakeOptions extends FakeOptions {
  /** where the msw handlers answer @default 'https://api.yclients.com' */
  mswOrigin?: string;
}

/** A faithful YClients simulator: see the package README. */
export function createYclientsFake(options: CreateFakeOptions = {}): YclientsFake {
  const resolved = resolveOptions(options);
  const sim = new Simulator(resolved);
  const origin = options.mswOrigin ?? 'https://api.yclients.com';
  const companies = new Map<number, FakeCompany>();
  const wrap = (data: CompanyData): FakeCompany => ({
    id: data.options.id,
    timezoneName: data.options.timezoneName,
    card: data.card,
    ...data.api,
    mutationCount: data.mutationCount,
  });
  return {
    handlers: mswHandlers(sim, origin),
    baseUrl: `${origin}${API_BASE_PATH}`,
    fetch: (input, init) => answerRequest(sim, new Request(input, init)),
    listen: (port, host) => listen(sim, port, host),
    credentials: resolved.credentials,
    companyIds: resolved.companies.map((c) => c.id),
    company(id) {
      let c = companies.get(id);
      if (!c) {
        c = wrap(sim.company(id));
        companies.set(id, c);
      }
      return c;
    },
    faults: sim.faults,
    get requests() {
      return sim.log;
    },
    count: (filter) => sim.count(filter),
    clearRequests: () => {
      sim.log.length = 0;
    },
    now: () => new Date(sim.clock.now()),
    setNow: (value) => sim.clock.set(value),
    advance: (ms) => sim.clock.advance(ms),
    reset: () => sim.reset(),
  };
}
