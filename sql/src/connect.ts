/**
 * The database pool the sync and the scripts use: @databases/pg with `bigIntMode: 'number'` (ids fit in
 * 2^53) and TLS chosen from the URL's `sslmode` as libpq users expect.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import createConnectionPool, { type ConnectionPool } from '@databases/pg';

export interface ConnectOptions {
  /** Connections in the pool. @default 4 */
  poolSize?: number;
  /** Shown in pg_stat_activity. @default 'yclients-pg' */
  applicationName?: string;
  /** Called with errors of idle connections (a dropped server connection), instead of crashing. */
  onError?: (error: Error) => void;
  /** `statement_timeout` of every session: a statement running longer fails (and is retried later). */
  statementTimeoutMs?: number;
  /** `lock_timeout`: a statement waiting longer for a lock another session holds fails. */
  lockTimeoutMs?: number;
}

type SslSetting = 'prefer' | ConnectionOptions;

/**
 * TLS settings for libpq `sslmode` values that @databases/pg does not handle as libpq does. It already
 * gives `disable`, `prefer` and `require` (encrypt, verify only when `sslrootcert` is given) libpq's
 * meaning, but it would not verify the server for `verify-full` / `verify-ca` without `sslrootcert`, and
 * does not know `allow`. Here `verify-full` checks the chain (against `sslrootcert`, else the system CAs)
 * and the host name, `verify-ca` the chain only, and `allow` behaves as `prefer`.
 */
export function sslFromUrl(url: string): SslSetting | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const mode = params.get('sslmode');
  if (mode === 'allow') return 'prefer';
  if (mode !== 'verify-full' && mode !== 'verify-ca') return undefined;
  const file = (name: string) => {
    const value = params.get(name);
    return value ? readFileSync(value, 'utf8') : undefined;
  };
  const options: ConnectionOptions = { rejectUnauthorized: true };
  const ca = file('sslrootcert');
  const cert = file('sslcert');
  const key = file('sslkey');
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/** A connection pool for `url`; call `dispose()` when done. */
export function connectDatabase(url: string, options: ConnectOptions = {}): ConnectionPool {
  const ssl = sslFromUrl(url);
  return createConnectionPool({
    connectionString: url,
    bigIntMode: 'number',
    poolSize: options.poolSize ?? 4,
    applicationName: options.applicationName ?? 'yclients-pg',
    connectionTimeoutMilliseconds: 15_000,
    idleTimeoutMilliseconds: 30_000,
    keepAlive: true,
    ...(ssl === undefined ? {} : { ssl }),
    ...(options.statementTimeoutMs ? { statementTimeoutMilliseconds: options.statementTimeoutMs } : {}),
    ...(options.lockTimeoutMs ? { lockTimeoutMilliseconds: options.lockTimeoutMs } : {}),
    onError: options.onError ?? (() => {}),
  });
}
