import { InvalidDatabaseUrlError, validateDatabaseUrl } from '@yclients-pg/sql';
import { ConfigError } from '../errors';

/** `status` and `migrate` need only the database: validate just DATABASE_URL. */
export function readDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return undefined;
  try {
    return validateDatabaseUrl(raw);
  } catch (error) {
    if (error instanceof InvalidDatabaseUrlError) {
      throw new ConfigError([
        { variable: 'DATABASE_URL', message: error.message.replace(/^DATABASE_URL /, '') },
      ]);
    }
    throw error;
  }
}
