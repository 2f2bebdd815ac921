import { toMs } from './clock';
import { DAY_MS, ZONE_OFFSETS } from './time';

/** One simulated branch (филиал). Sizes are base rows; mutations come on top. */
export interface CompanyOptions {
  id: number;
  title?: string;
  /** @default 'Europe/Moscow' (one of {@link ZONE_OFFSETS}) */
  timezoneName?: string;
  /** @default 200 */
  clients?: number;
  /** @default 1000 — spread over the two years before the anchor and the month after it */
  records?: number;
  /**
   * This many of the `records` base rows (and the few neighbours that share a row's minute anyway)
   * share one visit minute, a past one about a year before the anchor; the other rows keep their
   * times. Above a page (1,000) the tie always straddles a page boundary. As every tie, its rows come
   * in a different order on every request (yclients-open-questions Q1: records are sorted by visit
   * date only, "make the tie-break among equal datetimes unspecified (for example random per
   * request)"), so pages over it repeat some rows and miss others. @default 0
   */
  tiedRecords?: number;
  /** @default 500 — spread over the two years before the anchor */
  transactions?: number;
  /** @default 12 */
  staff?: number;
  /** @default 6 */
  positions?: number;
  /** @default 6 */
  serviceCategories?: number;
  /** @default 30 */
  services?: number;
  /** client labels (`/labels/{id}/1`) @default 8 */
  labels?: number;
  /** @default 4 */
  accounts?: number;
  /** The branch's paid licence has run out: 403 (402 on clients search) with «Необходимо продлить лицензию…». */
  licenceExpired?: boolean;
}

export interface RateLimitOptions {
  /** @default 5 */
  perSecond?: number;
  /** @default 200 */
  perMinute?: number;
  /** Send `Retry-After` (seconds) with a 429; YClients is not known to. @default false */
  retryAfter?: boolean;
  /** Answer the throttle body with HTTP 200 instead of 429, as real traffic sometimes shows. @default false */
  as200?: boolean;
  /** The time source of the rolling windows, in ms. @default Date.now (so vitest fake timers drive it) */
  now?: () => number;
}

export interface Credentials {
  partnerToken: string;
  userToken: string;
  login: string;
  password: string;
}

export interface PageLimits {
  /** `GET /clients` @default 300 */
  clients: number;
  /** `GET /records` @default 1000 */
  records: number;
  /** `POST /company/{id}/clients/search` `page_size` @default 200 */
  search: number;
  /** `GET /transactions`; set it below what the client asks to break "stop on a short page". @default 200 */
  transactions: number;
}

export interface FakeOptions {
  /** @default 1 */
  seed?: number;
  /** @default one company, id 101, default sizes */
  companies?: CompanyOptions[];
  /**
   * The instant the data is generated around (records: two years before it to a month after; nothing
   * generated changed after it). @default the `now` option, else today's midnight UTC
   */
  anchor?: Date | string | number;
  /** Freeze the clock at this instant (move it with `setNow`). @default follow the system clock */
  now?: Date | string | number;
  /** `false` turns limits off. @default { perSecond: 5, perMinute: 200 } */
  rateLimit?: false | RateLimitOptions;
  /** The separate, stricter limiter of clients search. `false` turns it off. @default { perSecond: 2, perMinute: 60 } */
  searchRateLimit?: false | RateLimitOptions;
  credentials?: Partial<Credentials>;
  /** `POST /auth` answers 200 with a 2FA challenge; the code to send back is `twoFactorCode`. @default false */
  twoFactor?: boolean;
  /** @default '1234' */
  twoFactorCode?: string;
  /** Every id, amount and flag becomes a JSON string, as on deprecated endpoints. @default false */
  legacyStrings?: boolean;
  /** Per-endpoint page-size caps; values above are clamped. */
  limits?: Partial<PageLimits>;
  /** How naive `changed_after` values are read: company zone or server zone (+04:00). @default 'company' */
  naiveTimeZone?: 'company' | 'server';
  /** Whether `/transactions` honours `changed_after`/`changed_before` (DOC-2026 lacks them). @default false */
  transactionsChangedAfter?: boolean;
  /** Staff list `meta` key: real traffic shows `count`, the docs `total_count`. @default 'count' */
  staffMetaKey?: 'count' | 'total_count';
}

export interface ResolvedCompany extends Required<Omit<CompanyOptions, 'title' | 'licenceExpired'>> {
  title: string;
  licenceExpired: boolean;
  offsetHours: number;
  /** position of the company in the options, used to keep id ranges apart */
  ordinal: number;
}

export interface ResolvedOptions {
  seed: number;
  companies: ResolvedCompany[];
  anchorMs: number;
  now: number | undefined;
  rateLimit: (Required<Omit<RateLimitOptions, 'now'>> & { now: () => number }) | false;
  searchRateLimit: (Required<Omit<RateLimitOptions, 'now'>> & { now: () => number }) | false;
  credentials: Credentials;
  twoFactor: boolean;
  twoFactorCode: string;
  legacyStrings: boolean;
  limits: PageLimits;
  naiveTimeZone: 'company' | 'server';
  transactionsChangedAfter: boolean;
  staffMetaKey: 'count' | 'total_count';
}

export const DEFAULT_CREDENTIALS: Credentials = {
  partnerToken: 'partner-token',
  userToken: 'user-token',
  login: 'admin@salon.test',
  password: 'secret',
};

const TITLES = ['Салон красоты «Лаванда»', 'Барбершоп «Борода»', 'Студия «Ноготок»', 'Спа «Облако»'];

function resolveLimiter(
  value: false | RateLimitOptions | undefined,
  defaults: { perSecond: number; perMinute: number },
): ResolvedOptions['rateLimit'] {
  if (value === false) return false;
  return {
    perSecond: value?.perSecond ?? defaults.perSecond,
    perMinute: value?.perMinute ?? defaults.perMinute,
    retryAfter: value?.retryAfter ?? false,
    as200: value?.as200 ?? false,
    now: value?.now ?? (() => Date.now()),
  };
}

export function resolveOptions(options: FakeOptions = {}): ResolvedOptions {
  const companies = (options.companies ?? [{ id: 101 }]).map((c, ordinal): ResolvedCompany => {
    const timezoneName = c.timezoneName ?? 'Europe/Moscow';
    const offsetHours = ZONE_OFFSETS[timezoneName];
    if (offsetHours === undefined) {
      throw new Error(
        `unknown timezoneName ${timezoneName}; use one of ${Object.keys(ZONE_OFFSETS).join(', ')}`,
      );
    }
    if (ordinal >= 50) throw new Error('at most 50 companies (their id ranges would overlap)');
    return {
      id: c.id,
      title: c.title ?? TITLES[ordinal % TITLES.length]!,
      timezoneName,
      offsetHours,
      clients: c.clients ?? 200,
      records: c.records ?? 1000,
      tiedRecords: c.tiedRecords ?? 0,
      transactions: c.transactions ?? 500,
      staff: Math.max(1, c.staff ?? 12),
      positions: Math.max(1, c.positions ?? 6),
      serviceCategories: Math.max(1, c.serviceCategories ?? 6),
      services: Math.max(1, c.services ?? 30),
      labels: c.labels ?? 8,
      accounts: Math.max(1, c.accounts ?? 4),
      licenceExpired: c.licenceExpired ?? false,
      ordinal,
    };
  });
  const ids = new Set(companies.map((c) => c.id));
  if (ids.size !== companies.length) throw new Error('company ids must be unique');
  for (const c of companies) {
    if (c.records > 20_000_000 || c.transactions > 20_000_000 || c.clients > 4_000_000) {
      throw new Error(`company ${c.id}: at most 20,000,000 records/transactions and 4,000,000 clients`);
    }
    if (!Number.isInteger(c.tiedRecords) || c.tiedRecords < 0 || c.tiedRecords > c.records) {
      throw new Error(`company ${c.id}: tiedRecords must be a whole number from 0 to records (${c.records})`);
    }
  }
  const now = options.now === undefined ? undefined : toMs(options.now);
  const anchorMs =
    options.anchor !== undefined ? toMs(options.anchor) : (now ?? Math.floor(Date.now() / DAY_MS) * DAY_MS);
  return {
    seed: options.seed ?? 1,
    companies,
    anchorMs,
    now,
    rateLimit: resolveLimiter(options.rateLimit, { perSecond: 5, perMinute: 200 }),
    searchRateLimit: resolveLimiter(options.searchRateLimit, { perSecond: 2, perMinute: 60 }),
    credentials: { ...DEFAULT_CREDENTIALS, ...options.credentials },
    twoFactor: options.twoFactor ?? false,
    twoFactorCode: options.twoFactorCode ?? '1234',
    legacyStrings: options.legacyStrings ?? false,
    limits: { clients: 300, records: 1000, search: 200, transactions: 200, ...options.limits },
    naiveTimeZone: options.naiveTimeZone ?? 'company',
    transactionsChangedAfter: options.transactionsChangedAfter ?? false,
    staffMetaKey: options.staffMetaKey ?? 'count',
  };
}
