/**
 * A managed database: the migrating user owns its database but is no superuser and has no CREATEROLE,
 * and (on some providers) may not create extensions. Runs on its own embedded server, so the cluster-wide
 * `analyst` role starts out missing.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/embedded';
import { MIGRATIONS_DIRECTORY, migrate } from '../src/migrate';

/** Every file in sql/migrations is applied to an empty database. */
const MIGRATIONS = readdirSync(MIGRATIONS_DIRECTORY).filter((f) => f.endsWith('.sql')).length;

const dir = mkdtempSync(path.join(os.tmpdir(), 'ypg-managed-'));
chmodSync(dir, 0o755);
let server: EmbeddedDatabase;

function urlFor(database: string, user = 'postgres', password?: string): string {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  url.username = user;
  if (password) url.password = password;
  return url.toString();
}

async function run(url: string, ...statements: string[]): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: pg.QueryResultRow[] = [];
    for (const s of statements) rows = (await client.query(s)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg') });
  await run(
    server.url,
    "create role owner_user login password 'owner-pw' nosuperuser nocreaterole nocreatedb",
    'create database managed_a owner owner_user',
    'create database managed_b owner owner_user',
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations as an unprivileged database owner', () => {
  it('succeed without CREATEROLE, and say what an administrator can run', async () => {
    const notices: string[] = [];
    const result = await migrate(urlFor('managed_a', 'owner_user', 'owner-pw'), {
      log: (m) => notices.push(m),
    });
    expect(result.applied).toHaveLength(MIGRATIONS);
    expect(result.missing).toEqual([expect.objectContaining({ feature: 'analyst_role' })]);
    expect(notices.join('\n')).toMatch(/CREATE ROLE analyst NOLOGIN/);
    // pg_trgm is trusted (PostgreSQL 13+), so the owner could create it
    const idx = await run(
      urlFor('managed_a'),
      "select indexname from pg_indexes where tablename = 'clients' order by 1",
    );
    expect(idx.map((r) => r.indexname)).toContain('clients_name_trgm_idx');
  }, 60_000);

  it('fall back to btree search when extensions are forbidden, and catch up once an administrator acts', async () => {
    // the provider forbids CREATE EXTENSION (simulated with an event trigger)
    await run(
      urlFor('managed_b'),
      `create function public.no_extensions() returns event_trigger language plpgsql as $$
       begin raise exception 'extensions are managed by the provider' using errcode = 'insufficient_privilege'; end $$`,
      `create event trigger no_extensions on ddl_command_start when tag in ('CREATE EXTENSION')
       execute function public.no_extensions()`,
    );
    const notices: string[] = [];
    const owner = urlFor('managed_b', 'owner_user', 'owner-pw');
    const first = await migrate(owner, { log: (m) => notices.push(m) });
    expect(first.missing.map((m) => m.feature).sort()).toEqual(['analyst_role', 'pg_trgm']);
    expect(notices.join('\n')).toMatch(/CREATE EXTENSION pg_trgm/);
    const indexes = async () =>
      (
        await run(
          urlFor('managed_b'),
          "select indexname from pg_indexes where tablename = 'clients' order by 1",
        )
      ).map((r) => r.indexname);
    expect(await indexes()).toEqual(['clients_name_prefix_idx', 'clients_phone_prefix_idx', 'clients_pkey']);

    // the administrator runs the two commands; the next migrate finishes the job
    await run(
      urlFor('managed_b'),
      'drop event trigger no_extensions',
      'create extension pg_trgm',
      'create role analyst nologin',
    );
    const second = await migrate(owner);
    expect(second).toEqual({ applied: [], missing: [] });
    expect(await indexes()).toEqual(['clients_name_trgm_idx', 'clients_phone_trgm_idx', 'clients_pkey']);
    const grants = await run(
      urlFor('managed_b'),
      "select has_table_privilege('analyst', 'analytics.clients', 'select') as views, has_schema_privilege('analyst', 'yclients_sync', 'usage') as sync",
    );
    expect(grants).toEqual([{ views: true, sync: false }]);
  }, 60_000);

  it('two first runs at once on an empty database: one migrates, the other waits and finds nothing to do', async () => {
    await run(server.url, 'create database managed_c owner owner_user');
    const owner = urlFor('managed_c', 'owner_user', 'owner-pw');
    const [a, b] = await Promise.all([migrate(owner), migrate(owner)]);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, MIGRATIONS]);
  }, 60_000);
});
