/**
 * Small helpers for talking to a PostgreSQL server as its administrator: probing it, running a few
 * statements on a short-lived connection, pointing a URL at another database of the same server.
 */
import type pg from 'pg';

/** pg is loaded when first needed, so a command that never talks to a server starts without it. */
async function driver(): Promise<typeof pg> {
  return (await import('pg')).default;
}

/** True when a server answers `select 1` at `url` within `timeoutMs`. */
export async function answers(url: string, timeoutMs = 2000): Promise<boolean> {
  const { Client } = await driver();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs `fn` on a fresh connection to `url` and closes it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const { Client } = await driver();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The same connection string, pointed at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
