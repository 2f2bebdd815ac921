import { filledAnswer, rewriteRows } from './bad-answers';
import { Clock } from './clock';
import { type CompanyData, createCompanyData, NotFoundError } from './data/company';
import { type Fault, Faults } from './faults';
import { fail, failErrorsForm, MESSAGES, throttled } from './http/envelope';
import { type FakeRequest, type FakeResponse, INVALID_BODY } from './http/types';
import { toLegacyStrings } from './legacy-strings';
import type { ResolvedOptions } from './options';
import { seededRandom } from './random';
import { RateLimiter } from './rate-limit';
import { type LoggedRequest, matchesRequest, type RequestFilter } from './request-log';
import { Router } from './router';
import { authRoutes } from './routes/auth';
import { catalogRoutes } from './routes/catalogs';
import { clientRoutes } from './routes/clients';
import type { SimulatorState } from './routes/context';
import { BadRequest } from './routes/params';
import { recordRoutes } from './routes/records';
import { searchRoutes } from './routes/search';
import { transactionRoutes } from './routes/transactions';

export const API_BASE_PATH = '/api/v1';

const AUTH_RE = /^\s*Bearer\s+([^\s,]+)\s*(?:,\s*User\s+([^\s,]+)\s*)?$/i;

/** The simulator proper, independent of how requests reach it. */
export class Simulator {
  readonly clock: Clock;
  readonly faults = new Faults();
  readonly log: LoggedRequest[] = [];
  readonly state: SimulatorState;
  private readonly router = new Router([
    ...authRoutes,
    ...catalogRoutes,
    ...clientRoutes,
    ...searchRoutes,
    ...recordRoutes,
    ...transactionRoutes,
  ]);
  private readonly limiter: RateLimiter | undefined;
  private readonly searchLimiter: RateLimiter | undefined;
  private requestSeq = 0;

  constructor(readonly options: ResolvedOptions) {
    this.clock = new Clock(options.now);
    const companies = new Map<number, CompanyData>();
    for (const company of options.companies) {
      companies.set(
        company.id,
        createCompanyData({ seed: options.seed, company, anchorMs: options.anchorMs }, () =>
          this.clock.now(),
        ),
      );
    }
    this.state = {
      options,
      clock: this.clock,
      companies,
      requestRandom: () => seededRandom(options.seed * 7919 + ++this.requestSeq),
    };
    this.limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
    this.searchLimiter = options.searchRateLimit ? new RateLimiter(options.searchRateLimit) : undefined;
  }

  company(id: number): CompanyData {
    const c = this.state.companies.get(id);
    if (!c) throw new Error(`no simulated company ${id}`);
    return c;
  }

  count(filter: RequestFilter = {}): number {
    return this.log.filter((r) => matchesRequest(r, filter)).length;
  }

  reset(): void {
    for (const c of this.state.companies.values()) c.reset();
    this.faults.clear();
    this.log.length = 0;
    this.limiter?.reset();
    this.searchLimiter?.reset();
    if (this.options.now === undefined) this.clock.follow();
    else this.clock.set(this.options.now);
  }

  /** Answers one API request (a path below `/api/v1`), logging it. */
  handle(req: FakeRequest): FakeResponse {
    const path = req.url.pathname.startsWith(API_BASE_PATH)
      ? req.url.pathname.slice(API_BASE_PATH.length) || '/'
      : req.url.pathname;
    const method = req.method.toUpperCase();
    const match = this.router.match(method, path);
    const template = match?.route.template ?? this.router.templateOf(path);
    const entry: LoggedRequest = {
      method,
      path,
      template,
      query: Object.fromEntries(req.url.searchParams),
      body: req.body === INVALID_BODY ? undefined : req.body,
      status: 0,
      outcome: 'response',
      at: this.clock.now(),
    };
    this.log.push(entry);
    const response = this.answer(req, method, path, template, match, entry);
    if ('status' in response) entry.status = response.status;
    if (response.kind === 'hang' || response.kind === 'drop') entry.outcome = response.kind;
    if (response.kind === 'json' && response.truncate) entry.outcome = 'truncated';
    return response;
  }

  private answer(
    req: FakeRequest,
    method: string,
    path: string,
    template: string | undefined,
    match: ReturnType<Router['match']>,
    entry: LoggedRequest,
  ): FakeResponse {
    let truncate = false;
    /** a fault that rewrites the real answer, once there is one */
    let rewrite: Fault | undefined;
    const fault = this.faults.take(method, path, template, req.url.searchParams);
    if (fault) {
      switch (fault.kind) {
        case 'status':
          return fail(fault.status ?? 503, fault.message ?? MESSAGES.unavailable);
        case 'rateLimit':
          entry.outcome = 'throttled';
          return throttled({ as200: false });
        case 'hang':
          return { kind: 'hang' };
        case 'drop':
          return { kind: 'drop' };
        case 'successFalse':
          return fail(200, fault.message ?? 'Произошла ошибка');
        case 'echo':
          return fail(
            400,
            `Некорректный запрос: Authorization: ${req.headers.get('authorization') ?? ''}; body: ${JSON.stringify(req.body ?? null)}`,
          );
        case 'truncate':
          truncate = true;
          break;
        case 'empty':
        case 'short':
        case 'poison':
        case 'huge':
          rewrite = fault;
          break;
      }
    }
    for (const [limiter, settings, applies] of [
      [this.limiter, this.options.rateLimit, true],
      [this.searchLimiter, this.options.searchRateLimit, match?.route.search === true],
    ] as const) {
      if (!limiter || !settings || !applies) continue;
      const verdict = limiter.take(req.ip);
      if (!verdict.ok) {
        entry.outcome = 'throttled';
        return throttled({
          as200: settings.as200,
          retryAfterSeconds: settings.retryAfter ? verdict.retryAfterSeconds : undefined,
        });
      }
    }
    if (!match) return fail(404, MESSAGES.notFound);
    const route = match.route;
    const unauthorised = () =>
      route.errorsForm ? failErrorsForm(401, MESSAGES.unauthorised) : fail(401, MESSAGES.unauthorised);
    const auth = AUTH_RE.exec(req.headers.get('authorization') ?? '');
    const { partnerToken, userToken } = this.options.credentials;
    if (!auth || auth[1] !== partnerToken) return unauthorised();
    if (route.auth === 'user' && auth[2] !== userToken) return unauthorised();

    const companyId = match.params.company_id;
    const company = companyId === undefined ? undefined : this.state.companies.get(Number(companyId));
    if (companyId !== undefined && !company) {
      return route.errorsForm
        ? failErrorsForm(404, MESSAGES.companyNotFound)
        : fail(404, MESSAGES.companyNotFound);
    }
    if (company?.options.licenceExpired && route.auth === 'user') {
      return fail(route.search ? 402 : 403, MESSAGES.licence(company.options.id));
    }
    if (req.body === INVALID_BODY) return fail(400, 'Некорректный JSON в теле запроса');
    const body =
      req.body && typeof req.body === 'object' && !Array.isArray(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    let response: FakeResponse;
    try {
      response = route.handle({
        req,
        params: match.params,
        query: req.url.searchParams,
        body,
        state: this.state,
        company: company!,
      });
    } catch (error) {
      if (error instanceof BadRequest)
        return fail(400, error.message, error.errors ? { errors: error.errors } : {});
      if (error instanceof NotFoundError) return fail(404, MESSAGES.notFound);
      throw error;
    }
    // before legacyStrings, so that a spoiled row is stringified like the others
    if (rewrite && response.kind === 'json') response.body = rewriteRows(response.body, rewrite);
    if (response.kind === 'json' && this.options.legacyStrings && !route.modernOnly) {
      const b = response.body as { data?: unknown };
      if (b && typeof b === 'object' && 'data' in b) response.body = { ...b, data: toLegacyStrings(b.data) };
    }
    if (truncate && response.kind === 'json') response.truncate = true;
    if (rewrite && response.kind === 'json') return filledAnswer(response, rewrite);
    return response;
  }
}

/** The JSON text of a response (cut in the middle when a fault says so). */
export function responseText(response: Extract<FakeResponse, { kind: 'json' }>): string {
  const text = JSON.stringify(response.body);
  return response.truncate ? text.slice(0, Math.floor(text.length / 2)) : text;
}
