/**
 * `pnpm demo` (the README's first command), for now: starts the embedded PostgreSQL (or uses
 * DATABASE_URL), applies the migrations and shows the analysts' views. The full demo (simulator, full
 * and incremental sync, analyst views filled with a salon's data) waits for the simulator's HTTP
 * server: test/pending/demo-flow.ts.
 */
import { sql } from '@databases/pg';
import { connectDatabase, migrate, redactDatabaseUrl, resolveDatabase } from '@yclients-pg/sql';

async function run(): Promise<number> {
  const resolved = await resolveDatabase(process.env, { log: (m) => console.log(m) });
  console.log(`database: ${redactDatabaseUrl(resolved.url)}${resolved.embedded ? ' (embedded)' : ''}`);
  const result = await migrate(resolved.url, { log: (m) => console.log(m) });
  console.log(`migrations: ${result.applied.length ? `applied ${result.applied.join(', ')}` : 'up to date'}`);
  const db = connectDatabase(resolved.url, { poolSize: 1 });
  try {
    const [version] = await db.query(sql`select version() as v`);
    console.log(`server: ${version?.v}`);
    const views = await db.query(sql`
      select c.relname as view, obj_description(c.oid) as description
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'analytics' and c.relkind = 'v' order by c.relname`);
    console.log('\nanalyst views (schema analytics):');
    for (const v of views) {
      const [count] = await db.query(sql`select count(*)::int as n from ${sql.ident('analytics', v.view)}`);
      console.log(
        `  ${String(v.view).padEnd(22)} ${String(count?.n).padStart(6)} rows  ${v.description ?? ''}`,
      );
    }
    console.log(
      '\nThe simulator-backed demo (full and incremental sync of a realistic salon) is not wired yet; see README "Status".',
    );
  } finally {
    await db.dispose();
    if (resolved.embedded?.owned) await resolved.embedded.stop();
  }
  return 0;
}

process.exitCode = await run();
