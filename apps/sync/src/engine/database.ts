/**
 * The sync's database, opened once per command: the embedded server or DATABASE_URL, reached or not
 * (exit 6 with the reason: unreachable, a refused login, no such database, no TLS), and the failures
 * that mean the session is gone.
 */
import type { ConnectionPool } from '@databases/pg';
import { connectDatabase, redactDatabaseUrl, resolveDatabase } from '@yclients-pg/sql';
import type { SyncConfig } from '../config';
import { ConfigError, DatabaseUnreachableError, errorText } from '../errors';
import type { Logger } from '../log/logger';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  // a write to a socket the server already closed (a restart of PostgreSQL mid-query; chaos seed 105)
  'EPIPE',
]);

/** PostgreSQL could not be reached at all (as opposed to a query failing). */
export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.code === '28P01' || e.code === '28000' || e.code === '3D000') return true;
  // the session ended under us: connection exceptions, terminated by an administrator, a crash or
  // restart of the server, an idle-session timeout; and pg's refusal to use a client whose connection
  // already failed ("… is not queryable"), which is what the next query meets after a restart of
  // PostgreSQL (the chaos runs found it as exit 1, seed 7)
  if (e.code?.startsWith('08') || /^57P0[1-5]$/.test(e.code ?? '')) return true;
  if (
    /timeout expired|Connection terminated|connect ETIMEDOUT|getaddrinfo|is not queryable/i.test(
      e.message ?? '',
    )
  )
    return true;
  return e.cause ? isUnreachable(e.cause) : false;
}

/** TLS was asked for and could not be had: the server offers none, or its certificate does not verify. */
function isTlsFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (/SSL|TLS|certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message ?? ''}`))
    return true;
  return e.cause ? isTlsFailure(e.cause) : false;
}

/**
 * A migration the sync's database user may not run (SQLSTATE 42501): a configuration problem with the
 * statements an administrator can run, not a bug.
 */
export function migrationRefused(error: unknown, url: string): ConfigError | null {
  if ((error as { code?: string } | undefined)?.code !== '42501') return null;
  let user = 'the sync user';
  let database = 'the database';
  try {
    const parsed = new URL(url);
    if (parsed.username) user = decodeURIComponent(parsed.username);
    if (parsed.pathname.length > 1) database = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    // keep the generic names
  }
  return new ConfigError([
    {
      variable: 'DATABASE_URL',
      message:
        `the database user may not create what the migrations need (${errorText(error)}); ` +
        `an administrator can run: GRANT CREATE ON DATABASE "${database}" TO "${user}"; GRANT CREATE ON SCHEMA public TO "${user}";`,
    },
  ]);
}

export async function openDatabase(
  config: Pick<SyncConfig, 'databaseUrl'> & Partial<Pick<SyncConfig, 'statementTimeoutMs' | 'lockTimeoutMs'>>,
  deps: { log: Logger; env?: NodeJS.ProcessEnv },
): Promise<{ db: ConnectionPool; url: string; close(): Promise<void> }> {
  const resolved = await resolveDatabase(
    config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : (deps.env ?? {}),
    {
      log: (m) => deps.log.info(m),
    },
  ).catch((error) => {
    throw new DatabaseUnreachableError(`could not start the embedded PostgreSQL: ${errorText(error)}`);
  });
  if (resolved.embedded)
    deps.log.info('using the embedded PostgreSQL (DATABASE_URL is not set)', {
      dataDir: resolved.embedded.dataDir,
    });
  const db = connectDatabase(resolved.url, {
    poolSize: 2,
    statementTimeoutMs: config.statementTimeoutMs,
    lockTimeoutMs: config.lockTimeoutMs,
  });
  try {
    await db.query(db.sql`select 1`);
  } catch (error) {
    await db.dispose().catch(() => {});
    if (isTlsFailure(error)) {
      throw new DatabaseUnreachableError(
        `no TLS connection to the database at ${redactDatabaseUrl(resolved.url)} (check sslmode and sslrootcert in DATABASE_URL): ${errorText(error)}`,
      );
    }
    if (isUnreachable(error)) {
      const code = (error as { code?: string }).code;
      const what =
        code === '28P01' || code === '28000'
          ? 'the database refused the login'
          : code === '3D000'
            ? 'no such database'
            : 'cannot reach the database';
      throw new DatabaseUnreachableError(
        `${what} at ${redactDatabaseUrl(resolved.url)}: ${errorText(error)}`,
      );
    }
    throw error;
  }
  return {
    db,
    url: resolved.url,
    close: async () => {
      await db.dispose();
      // Stop the embedded server we started (a server we only joined belongs to its starter).
      if (resolved.embedded?.owned) await resolved.embedded.stop();
    },
  };
}
