/** Shared setup of the sql tests: one migrated database per test file, and small query helpers. */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createMigratedTestDatabase, type TestDatabase } from './database';

export interface Db {
  url: string;
  client: pg.Client;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]>;
  one<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T>;
}

/** A migrated database for this file, with one open client; dropped after the file. */
export function useMigratedDatabase(): Db {
  let database: TestDatabase | undefined;
  const db = {} as Db;
  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    db.url = database.url;
    db.client = client;
    db.query = async (text, values) => (await client.query(text, values as unknown[])).rows;
    db.one = async (text, values) => {
      const rows = (await client.query(text, values as unknown[])).rows;
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${text}`);
      return rows[0];
    };
  });
  afterAll(async () => {
    await db.client?.end();
    await database?.drop();
  });
  return db;
}

export interface Counts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

/** Calls yclients_sync.merge_<entity>(company, run, rows, state, refresh) and returns its counts. */
export async function merge(
  db: Db,
  entity: string,
  company: number,
  rows: unknown[],
  options: { run?: number | null; state?: unknown; refresh?: number | null } = {},
): Promise<Counts> {
  return db.one<Counts & pg.QueryResultRow>(
    `select * from yclients_sync.merge_${entity}($1, $2, $3::jsonb, $4::jsonb, $5)`,
    [
      company,
      options.run ?? null,
      JSON.stringify(rows),
      options.state === undefined ? null : JSON.stringify(options.state),
      options.refresh ?? null,
    ],
  );
}

/** xmin of every row of a table for a company, by id: unchanged xmin = no new row version. */
export async function xmins(db: Db, table: string, company: number): Promise<Record<string, string>> {
  const rows = await db.query<{ id: string; xmin: string }>(
    `select id::text, xmin::text from yclients.${table} where company_id = $1 order by id`,
    [company],
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.xmin]));
}
