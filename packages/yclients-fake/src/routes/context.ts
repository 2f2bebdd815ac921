import type { Clock } from '../clock';
import type { CompanyData } from '../data/company';
import type { FakeRequest, FakeResponse } from '../http/types';
import type { ResolvedOptions } from '../options';

export interface SimulatorState {
  options: ResolvedOptions;
  clock: Clock;
  companies: Map<number, CompanyData>;
  /** a fresh random stream for one request (tie order of records) */
  requestRandom(): () => number;
}

export interface RouteContext {
  req: FakeRequest;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the JSON body as an object (empty when absent) */
  body: Record<string, unknown>;
  state: SimulatorState;
  /** set for routes with a `{company_id}` */
  company: CompanyData;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. `/records/{company_id}`; `{name}` segments match digits unless listed in `words` */
  template: string;
  /** which tokens the route needs */
  auth: 'partner' | 'user';
  /** 401/404 in the `{errors, meta}` form (company endpoints) */
  errorsForm?: boolean;
  /** the stricter limiter of clients search applies, and an expired licence answers 402 */
  search?: boolean;
  /** `legacyStrings` leaves this route alone (`/auth` is a current endpoint, not a deprecated one) */
  modernOnly?: boolean;
  /** path parameters that are words, not ids */
  words?: string[];
  handle(ctx: RouteContext): FakeResponse;
}
