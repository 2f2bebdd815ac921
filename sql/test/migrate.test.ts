/**
 * migrate() keeps pg-migrations' bookkeeping in its own schema, and moves it there from `public` for a
 * database migrated before, without applying anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database';
import { migrate } from '../src/migrate';
import { withClient } from '../src/server';

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
