/**
 * migrate() keeps pg-migrations' bookkeeping in its own schema, and moves it there from `public` for a
 * database migrated before, without applying anything twice; on a caller's pool (the sync's), it is
 * bounded by none of the pool's timeouts and gives them back.
 */
import { setTimeout } from 'node:timers/promises';
import { sql } from '@databases/pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../src/connect';
import { MIGRATION_LOCK, migrate } from '../src/migrate';
import { withClient } from '../src/server';
import { createTestDatabase, type TestDatabase } from './database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const tables = (url: string) =>
  withClient(url, async (c) =>
    (
      await c.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relname like 'atdatabases_migrations_%' and c.relkind = 'r' order by 1`,
      )
    ).rows.map((r) => r.name),
  );

describe('the migrations bookkeeping', () => {
  it('lives in yclients_migrations, and moves there from public without re-applying anything', async () => {
    const first = await migrate(database.url);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(await tables(database.url)).toEqual([
      'yclients_migrations.atdatabases_migrations_applied',
      'yclients_migrations.atdatabases_migrations_version',
    ]);
    // where a database migrated before kept them
    await withClient(database.url, async (c) => {
      await c.query('alter table yclients_migrations.atdatabases_migrations_applied set schema public');
      await c.query('alter table yclients_migrations.atdatabases_migrations_version set schema public');
    });
    const again = await migrate(database.url);
    expect(again.applied).toEqual([]);
    expect(await tables(database.url)).toEqual([
      'yclients_migrations.atdatabases_migrations_applied',
      'yclients_migrations.atdatabases_migrations_version',
    ]);
  });
});

describe("on a caller's pool", () => {
  it('waits for another migration past the pool lock_timeout, then gives the connection its timeouts back', async () => {
    // One connection, so the one migrate() used is the one checked afterwards.
    const db = connectDatabase(database.url, { poolSize: 1, statementTimeoutMs: 123_000, lockTimeoutMs: 50 });
    try {
      await withClient(database.url, async (other) => {
        await other.query('select pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
        const migrating = migrate(db);
        const waiting = async () =>
          (
            await other.query(
              `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
               and classid = $1::bigint::oid and objid = $2::bigint::oid`,
              [...MIGRATION_LOCK],
            )
          ).rows[0].n > 0;
        while (!(await waiting())) await setTimeout(10);
        // still waiting well past the pool's lock_timeout, which would have ended the wait
        await setTimeout(500);
        expect(await waiting()).toBe(true);
        await other.query('select pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]);
        await migrating;
      });
      const [row] = await db.query(
        sql`select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock`,
      );
      expect(row).toEqual({ statement: '123s', lock: '50ms' });
    } finally {
      await db.dispose();
    }
  });
});
