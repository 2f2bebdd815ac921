/**
 * The database the benchmarks run against, and a client that counts its round trips.
 *
 * Server: `BENCH_DATABASE_URL`, else the local PostgreSQL on 127.0.0.1:5432 (database `test`) if it
 * answers, else the embedded server of the sql package. Every run works in its own scratch database
 * (`bench_<random>`), migrated with the project's migrations and dropped at the end, so a run never touches
 * anyone's data and two runs do not disturb each other's tables.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { migrate, resolveScratchServer, withClient, withDatabase } from '@yclients-pg/sql';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface Server {
  /** Admin connection string (any database on the server; scratch databases are created from it). */
  url: string;
  source: 'BENCH_DATABASE_URL' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export async function resolveServer(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const server = await resolveScratchServer(env.BENCH_DATABASE_URL, { log: (m) => console.log(m) });
  return { ...server, source: server.source === 'env' ? 'BENCH_DATABASE_URL' : server.source };
}

export { withDatabase };

/** Same URL, but through `host:port` (the latency proxy). */
export function withHostPort(url: string, host: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new database with every migration applied; `drop()` removes it even with connections left open. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`create database ${name}`));
  const url = withDatabase(serverUrl, name);
  const drop = () =>
    withClient(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {});
  try {
    await migrate(url);
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { url, name, drop };
}

export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ v: string }>('select version() as v');
    return rows[0]?.v ?? 'unknown';
  });
}

/**
 * A pg.Client that counts what it sends: every `query` (and every COPY) is one request the client waits
 * for, so `queries` is the number of client-observed round trips (a COPY is two on the wire: the proxy
 * counts those separately).
 */
export class CountingClient {
  queries = 0;
  readonly client: pg.Client;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url });
    this.client.on('error', () => {});
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.queries++;
    return this.client.query<R>(text, values);
  }

  /** `COPY … FROM STDIN` with `data` as the text-format body. */
  async copy(statement: string, data: Readable): Promise<void> {
    this.queries++;
    const stream = this.client.query(copyFrom(statement));
    await pipeline(data, stream);
  }

  async end(): Promise<void> {
    await this.client.end();
  }
}
