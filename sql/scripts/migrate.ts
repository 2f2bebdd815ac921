/**
 * `pnpm --filter @yclients-pg/sql run migrate`: applies sql/migrations to DATABASE_URL (or to the embedded
 * default when it is unset) and prints what was applied and what an administrator may need to run.
 */

import { redactDatabaseUrl, resolveDatabase } from '../src/database-url';
import { migrate } from '../src/migrate';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const database = await resolveDatabase(process.env, { log: out });
  try {
    out(`migrating ${redactDatabaseUrl(database.url)}`);
    const result = await migrate(database.url, { log: out });
    out(result.applied.length ? `applied ${result.applied.length} migration(s)` : 'no migrations required');
    return 0;
  } finally {
    await database.embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
