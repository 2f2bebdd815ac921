/**
 * Real PostgreSQL for tests, never a mock: `TEST_DATABASE_URL` if set, else the server on
 * 127.0.0.1:5432 (database `test`) if it answers, else the embedded one (chosen once per `vitest run` by
 * the global setup, test/helpers/global-setup.ts, with resolveScratchServer). Each test file gets its own
 * fresh database (cloned from a migrated template when asked), so files run in parallel and leave
 * nothing behind.
 *
 * It lives in the sql package, whose schema it builds, and is exported as `@yclients-pg/sql/testing`:
 * the sql tests use it from here and the cross-package tests (test/helpers/database.ts) re-export it,
 * so no package's tests reach into another's files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { inject } from 'vitest';
import { FUNCTIONS_DIRECTORY, MIGRATIONS_DIRECTORY, migrate, VIEWS_DIRECTORY } from '../src/migrate';
import { withClient, withDatabase } from '../src/server';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

let ownServer: string | undefined;

/**
 * Makes this test file's databases (and their migrated template) on another server: the chaos runs use
 * one of their own, which they restart (test/chaos/postgres.ts). Every test file has its own module
 * state, so the other files keep the global setup's server.
 */
export function useOwnServer(adminUrl: string): void {
  ownServer = adminUrl;
  templateName = undefined;
}

/** The admin connection string chosen by the global setup (or by {@link useOwnServer}). */
export function adminDatabaseUrl(): string {
  return ownServer ?? inject('adminDatabaseUrl');
}

export { withDatabase };

function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(adminDatabaseUrl(), fn);
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

/**
 * A hash of what migrate() applies, the migrations and the function files (names and contents): a new
 * or changed file means a new template.
 */
export function migrationsHash(
  directories = [MIGRATIONS_DIRECTORY, FUNCTIONS_DIRECTORY, VIEWS_DIRECTORY],
): string {
  const hash = createHash('sha256');
  for (const directory of directories) {
    for (const name of readdirSync(directory).sort()) {
      if (!name.endsWith('.sql')) continue;
      hash
        .update(path.basename(directory))
        .update(name)
        .update('\0')
        .update(readFileSync(path.join(directory, name)))
        .update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

const TEMPLATE_PREFIX = 'tpl_yclients_';
// pg_advisory_lock(key1, key2) on the admin database while a template is built: 'ytst' and 1.
const TEMPLATE_LOCK = [0x79747374, 1] as const;
let templateName: Promise<string> | undefined;
/** Migrated templates kept on a server: this checkout's and the newest others'. */
const KEEP_TEMPLATES = 4;

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The migrated template database for the current migration files, built once per server (under an
 * advisory lock, so parallel test files and processes do not race): migrated under a temporary name, then
 * renamed, so a template that exists is always complete. Templates of older migration sets are dropped,
 * all but the newest few (by oid, which grows with creation).
 */
export function migratedTemplate(): Promise<string> {
  templateName ??= admin(async (client) => {
    const name = `${TEMPLATE_PREFIX}${migrationsHash()}`;
    await client.query('select pg_advisory_lock($1, $2)', [...TEMPLATE_LOCK]);
    try {
      const { rows } = await client.query<{ datname: string }>(
        "select datname from pg_database where datname like 'tpl\\_yclients\\_%'",
      );
      if (!rows.some((r) => r.datname === name)) {
        const building = `${name}_build_${randomBytes(3).toString('hex')}`;
        await client.query(`create database ${building}`);
        try {
          await migrate(withDatabase(adminDatabaseUrl(), building));
          await client.query(`alter database ${building} rename to ${name}`);
        } catch (error) {
          await client.query(`drop database if exists ${building} with (force)`).catch(() => {});
          throw error;
        }
      }
      // Older templates go, but the newest few stay: another checkout of the project using the same
      // server (a second working copy, a CI job) may be running on one of them.
      const { rows: stale } = await client.query<{ datname: string }>(
        `select datname from pg_database where datname like 'tpl\\_yclients\\_%' and datname <> $1
         order by oid desc offset ${KEEP_TEMPLATES - 1}`,
        [name],
      );
      for (const { datname } of stale) {
        await client.query(`drop database if exists ${client.escapeIdentifier(datname)}`).catch(() => {});
      }
      return name;
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', [...TEMPLATE_LOCK]);
    }
  });
  return templateName;
}

/**
 * A fresh database with every migration applied, cloned from the migrated template (fast: a file copy).
 * Cloning needs no other session on the template; a clone that meets one (another process just finished
 * building it) is retried.
 */
export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  const template = await migratedTemplate();
  for (let attempt = 0; ; attempt++) {
    try {
      return await createTestDatabase({ template });
    } catch (error) {
      if (attempt >= 50 || !/being accessed by other users/.test(String(error))) throw error;
      await sleep(100 + Math.random() * 200);
    }
  }
}
