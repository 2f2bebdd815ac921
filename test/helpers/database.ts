/**
 * Real PostgreSQL for tests, never a mock: `TEST_DATABASE_URL` if set, else the server on
 * 127.0.0.1:5432 (database `test`) if it answers, else the embedded one. Each test file gets its own
 * fresh database (cloned from a migrated template when asked), so files run in parallel and leave
 * nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

/** The admin connection string chosen by the global setup. */
export function adminDatabaseUrl(): string {
  return inject('adminDatabaseUrl');
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server; `drop()` removes it (even with connections left open). */
export async function createTestDatabase(options: { template?: string } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin((c) =>
    c.query(
      `create database ${name}${options.template ? ` template ${c.escapeIdentifier(options.template)}` : ''}`,
    ),
  );
  const url = withDatabase(adminDatabaseUrl(), name);
  return {
    url,
    name,
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}
