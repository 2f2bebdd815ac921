import { type EmbeddedDatabase, type EmbeddedOptions, startEmbeddedPostgres } from './embedded';

/** A `DATABASE_URL` that is not a PostgreSQL connection string (a usage error, not an outage). */
export class InvalidDatabaseUrlError extends Error {
  override readonly name = 'InvalidDatabaseUrlError';
}

/** Checks the shape of a connection string without ever echoing it (it may hold a password). */
export function validateDatabaseUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidDatabaseUrlError(
      'DATABASE_URL is not a valid URL (expected postgres://user:password@host:5432/db)',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidDatabaseUrlError(
      `DATABASE_URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`,
    );
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new InvalidDatabaseUrlError('DATABASE_URL has no host');
  }
  return value;
}

/** Hides the password of a connection string so it can be shown. */
export function redactDatabaseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export interface ResolvedDatabase {
  url: string;
  /** Set when the URL points at the embedded default. */
  embedded?: EmbeddedDatabase;
}

/** `DATABASE_URL` if set; otherwise the embedded default (started, or joined if already running). */
export async function resolveDatabase(
  env: NodeJS.ProcessEnv = process.env,
  options: EmbeddedOptions = {},
): Promise<ResolvedDatabase> {
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return { url: validateDatabaseUrl(fromEnv) };
  const embedded = await startEmbeddedPostgres(options);
  return { url: embedded.url, embedded };
}
