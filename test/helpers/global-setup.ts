/** Picks the PostgreSQL all database tests run against, once per `vitest run`. */

import { startEmbeddedPostgres } from '@yclients-pg/sql';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
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

export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    if (await answers(LOCAL)) {
      url = LOCAL;
    } else {
      const embedded = await startEmbeddedPostgres({ dataDir: process.env.EMBEDDED_PG_DIR ?? undefined });
      url = embedded.url;
      stop = () => embedded.stop();
    }
  }
  project.provide('adminDatabaseUrl', url);
  return async () => {
    await stop?.();
  };
}
