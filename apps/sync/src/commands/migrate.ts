import { migrate } from '@yclients-pg/sql';
import { readDatabaseUrl } from '../config';
import { openDatabase } from '../engine/database';
import type { Logger } from '../log/logger';

/** `pnpm sync migrate`: applies pending migrations (under their own advisory lock) and exits. */
export async function runMigrate(env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const { db, close } = await openDatabase({ databaseUrl: readDatabaseUrl(env) }, { log, env });
  try {
    await migrate(db, { log: (m: string) => log.info(m) });
    log.info('migrations applied');
  } finally {
    await close();
  }
}
