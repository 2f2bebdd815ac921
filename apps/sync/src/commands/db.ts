/**
 * `pnpm sync db`: keeps the embedded PostgreSQL up and says how to connect to it (psql, DBeaver,
 * Metabase, DataLens through an SSH tunnel), until Ctrl-C. The schema is brought up to date first, so
 * the analyst views exist, and a login `bi` in the `analyst` role is made once: read access to the
 * `analytics` views only, its password kept next to the data (`<dataDir>.bi.password`, mode 0600).
 *
 * The server keeps the port it had (remembered per cluster) so saved connections keep working; cron
 * runs meanwhile find it running and use it, and whoever uses it last stops it.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  type EmbeddedDatabase,
  migrate,
  redactDatabaseUrl,
  startEmbeddedPostgres,
  withClient,
} from '@yclients-pg/sql';
import { readDatabaseUrl } from '../config';
import type { Logger } from '../log/logger';

export const BI_USER = 'bi';

function biPasswordFile(dataDir: string): string {
  return `${dataDir}.bi.password`;
}

/** The `bi` login (in the analyst role), created or given a known password; returns its password. */
async function ensureBiLogin(server: EmbeddedDatabase): Promise<string> {
  let password: string | undefined;
  try {
    password = readFileSync(biPasswordFile(server.dataDir), 'utf8').trim() || undefined;
  } catch {
    password = undefined;
  }
  const known = password !== undefined;
  password ??= randomBytes(12).toString('base64url');
  const literal = password;
  await withClient(server.url, async (client) => {
    const { rows } = await client.query('select 1 from pg_roles where rolname = $1', [BI_USER]);
    if (rows.length === 0) {
      await client.query(
        `create role ${BI_USER} login password ${client.escapeLiteral(literal)} in role analyst`,
      );
    } else if (!known) {
      await client.query(`alter role ${BI_USER} login password ${client.escapeLiteral(literal)}`);
    }
  });
  if (!known) writeFileSync(biPasswordFile(server.dataDir), `${password}\n`, { mode: 0o600 });
  return password;
}

function urlOf(server: EmbeddedDatabase, user: string, password: string): string {
  const url = new URL(server.url);
  url.username = user;
  url.password = encodeURIComponent(password);
  return url.toString();
}

function howToConnect(server: EmbeddedDatabase, biPassword: string): string {
  const admin = server.url;
  const bi = urlOf(server, BI_USER, biPassword);
  return [
    `The embedded PostgreSQL is up on 127.0.0.1:${server.port} (data in ${server.dataDir}).`,
    'It stays up until Ctrl-C; syncs run meanwhile (cron) use it too.',
    '',
    'Analysts and BI tools: user "bi", read-only, the analytics views only (analytics.clients,',
    'analytics.records, analytics.clients_by_category, ...):',
    `  ${bi}`,
    '',
    `  psql      psql "${bi}" -c "select * from analytics.clients limit 5"`,
    `  DBeaver   New connection -> PostgreSQL: host 127.0.0.1, port ${server.port}, database postgres,`,
    `            user bi, password ${biPassword}`,
    `  Metabase  Add a database -> PostgreSQL: the same host, port, database, user and password`,
    '            (Metabase in Docker: run it with --network host to reach 127.0.0.1)',
    `  From your own computer: ssh -L ${server.port}:127.0.0.1:${server.port} <this server>, then the same`,
    '            settings on your side.',
    '',
    'Administrator (the whole database, the sync state included; keep it to yourself):',
    `  ${admin}`,
  ].join('\n');
}

/** Resolves on the first SIGINT / SIGTERM / SIGHUP. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => resolve(signal));
  });
}

export async function runDb(
  env: NodeJS.ProcessEnv,
  log: Logger,
  out: (text: string) => void,
  options: { port?: number },
): Promise<void> {
  const configured = readDatabaseUrl(env);
  if (configured) {
    out(
      `DATABASE_URL is set, so the sync writes to ${redactDatabaseUrl(configured)}: point psql and BI tools ` +
        'there. (`db` serves the embedded PostgreSQL, which is used when DATABASE_URL is unset.)',
    );
    return;
  }
  const stopped = untilStopped();
  const server = await startEmbeddedPostgres({
    log: (m) => log.info(m),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  try {
    await migrate(server.url, { log: (m) => log.debug(m) });
    const biPassword = await ensureBiLogin(server);
    out(howToConnect(server, biPassword));
    if (options.port !== undefined && options.port !== server.port) {
      out(`\n(It was already running, on port ${server.port}; --port applies when it starts.)`);
    }
    await stopped;
  } finally {
    // The last process using the server stops it: a sync still running keeps it up until it is done.
    await server.stop();
  }
  log.info('done: the embedded PostgreSQL stops when the last process using it ends');
}
