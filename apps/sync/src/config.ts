/**
 * Configuration is read once, validated once (every problem listed, each naming its variable) and
 * passed down frozen. The process environment wins over `.env`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { InvalidDatabaseUrlError, validateDatabaseUrl } from '@yclients-pg/sql';
import { ConfigError, type ConfigProblem } from './errors';

export interface SyncConfig {
  /** Unset → the embedded default PostgreSQL. */
  databaseUrl: string | undefined;
  partnerToken: string;
  userToken: string | undefined;
  login: string | undefined;
  password: string | undefined;
  companyIds: number[];
  baseUrl: string;
  /** @default 5 */
  rps: number;
  /** @default 200 */
  rpm: number;
  /** @default 30000 */
  httpTimeoutMs: number;
  /** @default 30 */
  transactionsLookbackDays: number;
  /** Re-read window for `changed_after` cursors. @default 60 (design §9: at least one hour) */
  changedAfterOverlapMinutes: number;
  /**
   * The mass-delete brake (design §9): a refresh that would soft-delete more than both this many rows
   * and this percentage of the live rows in its scope deletes nothing until `--confirm-deletes`.
   * @default 20 rows, 10 %
   */
  deleteBrakeRows: number;
  deleteBrakePercent: number;
  /** Largest API answer read, in MiB; bigger ones are refused (and retried) instead of exhausting memory. @default 16 */
  maxResponseMb: number;
  /** `statement_timeout` of the sync's database session, ms. @default 300000 */
  statementTimeoutMs: number;
  /** `lock_timeout`: how long a statement waits for a row or table another session holds, ms. @default 30000 */
  lockTimeoutMs: number;
  /**
   * A test clock (`YCLIENTS_TEST_CLOCK_SPEED`, the chaos runs: README "Chaos runs"): the waits inside a
   * run (retry back-off, the back-off after a throttled answer, a `Retry-After`) pass this many times
   * faster. Never the request budget, which protects upstream. @default 1
   */
  clockSpeed: number;
}

export const DEFAULT_BASE_URL = 'https://api.yclients.com/api/v1';

/** `.env` in the working directory (or `ENV_FILE`), below the process environment. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  const file = env.ENV_FILE ?? path.join(cwd, '.env');
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  return { ...fromFile, ...env };
}

function positiveInt(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  problems: ConfigProblem[],
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    problems.push({ variable: name, message: `must be a whole number ${range}, got "${raw}"` });
    return fallback;
  }
  return value;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What is wrong with a base URL, if anything: not http(s); credentials inside it (they would travel and
 * be printed with it: tokens go in YCLIENTS_PARTNER_TOKEN and YCLIENTS_USER_TOKEN); plain http to
 * another machine, which would send the tokens in clear (allowed with YCLIENTS_ALLOW_HTTP=1).
 */
function checkBaseUrl(value: string, allowHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an http(s) URL, e.g. ${DEFAULT_BASE_URL}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http(s) URL, e.g. ${DEFAULT_BASE_URL}`;
  }
  if (url.username || url.password) {
    return 'must not hold a user name or password: put tokens in YCLIENTS_PARTNER_TOKEN and YCLIENTS_USER_TOKEN';
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname) && !allowHttp) {
    return `plain http to ${url.hostname} would send the tokens unencrypted: use https, or set YCLIENTS_ALLOW_HTTP=1`;
  }
  return null;
}

/** DATABASE_URL, checked the one way every command checks it: unset (the embedded database) or valid. */
function checkDatabaseUrl(env: NodeJS.ProcessEnv): { url: string | undefined } | { problem: ConfigProblem } {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return { url: undefined };
  try {
    return { url: validateDatabaseUrl(raw) };
  } catch (error) {
    if (!(error instanceof InvalidDatabaseUrlError)) throw error;
    return { problem: { variable: 'DATABASE_URL', message: error.message.replace(/^DATABASE_URL /, '') } };
  }
}

/** Only DATABASE_URL, for the commands that need nothing else (`status`, `migrate`, `db`). */
export function readDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const database = checkDatabaseUrl(env);
  if ('problem' in database) throw new ConfigError([database.problem]);
  return database.url;
}

export function readConfig(env: NodeJS.ProcessEnv): SyncConfig {
  const problems: ConfigProblem[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const database = checkDatabaseUrl(env);
  if ('problem' in database) problems.push(database.problem);
  const databaseUrl = 'url' in database ? database.url : undefined;

  const partnerToken = get('YCLIENTS_PARTNER_TOKEN');
  if (!partnerToken) {
    problems.push({
      variable: 'YCLIENTS_PARTNER_TOKEN',
      message: 'is required (the partner "Bearer" token)',
    });
  }
  const userToken = get('YCLIENTS_USER_TOKEN');
  const login = get('YCLIENTS_LOGIN');
  const password = get('YCLIENTS_PASSWORD');
  if (!userToken && !login && !password) {
    problems.push({
      variable: 'YCLIENTS_USER_TOKEN',
      message: 'is required, or YCLIENTS_LOGIN and YCLIENTS_PASSWORD to obtain one',
    });
  } else if (!userToken && !(login && password)) {
    problems.push({
      variable: login ? 'YCLIENTS_PASSWORD' : 'YCLIENTS_LOGIN',
      message: 'YCLIENTS_LOGIN and YCLIENTS_PASSWORD go together (or set YCLIENTS_USER_TOKEN)',
    });
  }

  const companyIds: number[] = [];
  const rawCompanies = get('YCLIENTS_COMPANY_IDS');
  if (!rawCompanies) {
    problems.push({
      variable: 'YCLIENTS_COMPANY_IDS',
      message: 'is required: one or more company ids, comma-separated',
    });
  } else {
    for (const part of rawCompanies
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const id = Number(part);
      if (!Number.isSafeInteger(id) || id <= 0) {
        problems.push({
          variable: 'YCLIENTS_COMPANY_IDS',
          message: `"${part}" is not a company id (a positive whole number)`,
        });
      } else if (!companyIds.includes(id)) {
        companyIds.push(id);
      }
    }
  }

  const baseUrl = get('YCLIENTS_BASE_URL') ?? DEFAULT_BASE_URL;
  const baseUrlProblem = checkBaseUrl(baseUrl, env.YCLIENTS_ALLOW_HTTP?.trim() === '1');
  if (baseUrlProblem) problems.push({ variable: 'YCLIENTS_BASE_URL', message: baseUrlProblem });

  const config: SyncConfig = {
    databaseUrl,
    partnerToken: partnerToken ?? '',
    userToken,
    login,
    password,
    companyIds,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    rps: positiveInt(env, 'YCLIENTS_RPS', 5, problems),
    rpm: positiveInt(env, 'YCLIENTS_RPM', 200, problems),
    httpTimeoutMs: positiveInt(env, 'YCLIENTS_HTTP_TIMEOUT_MS', 30_000, problems),
    transactionsLookbackDays: positiveInt(env, 'YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS', 30, problems),
    changedAfterOverlapMinutes: positiveInt(env, 'YCLIENTS_CHANGED_AFTER_OVERLAP_MINUTES', 60, problems, {
      min: 60,
    }),
    deleteBrakeRows: positiveInt(env, 'YCLIENTS_DELETE_BRAKE_ROWS', 20, problems, { min: 0 }),
    deleteBrakePercent: positiveInt(env, 'YCLIENTS_DELETE_BRAKE_PERCENT', 10, problems, { min: 0, max: 100 }),
    maxResponseMb: positiveInt(env, 'YCLIENTS_MAX_RESPONSE_MB', 16, problems, { max: 1024 }),
    statementTimeoutMs: positiveInt(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 300_000, problems, { min: 100 }),
    lockTimeoutMs: positiveInt(env, 'DATABASE_LOCK_TIMEOUT_MS', 30_000, problems, { min: 100 }),
    clockSpeed: positiveInt(env, 'YCLIENTS_TEST_CLOCK_SPEED', 1, problems, { max: 10_000 }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Every secret value of a configuration (or of the part read so far), for the output redactor. */
export function secretsOf(
  config: Partial<Pick<SyncConfig, 'partnerToken' | 'userToken' | 'password' | 'databaseUrl'>>,
): string[] {
  const secrets = [config.partnerToken, config.userToken, config.password];
  if (config.databaseUrl) {
    try {
      const password = decodeURIComponent(new URL(config.databaseUrl).password);
      if (password) secrets.push(password);
    } catch {
      // not a URL: nothing to take out of it (readConfig reports it)
    }
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 3);
}
