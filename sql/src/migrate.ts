/**
 * Applies `sql/migrations` with @databases/pg-migrations under a dedicated advisory lock, so two processes
 * that start on an empty database at the same moment do not race (the second waits, then finds nothing to
 * do). Its key ('ycli', 1) never collides with the company locks (22851, company id).
 * What a managed database's restrictions left out (pg_trgm, the analyst role) is found from the catalogs
 * afterwards and logged with the command an administrator can run.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Connection, sql } from '@databases/pg';
import type { ConnectionPool as MigrationsPool } from '@databases/pg-migrations';
import { connectDatabase } from './connect';

/** `pg_advisory_lock(key1, key2)` held while migrating: 'ycli' and 1. */
export const MIGRATION_LOCK: readonly [number, number] = [0x79636c69, 1];

/**
 * Functions and views are source files, one per function or view, named after it: the file is its current
 * text. migrate() re-applies them all (`create or replace`) after the migrations, under the migration
 * lock: functions first, in name order, with body checking off so a function may call one applied after
 * it; then the views, which read the tables and the functions. Migrations keep only what has state
 * (tables, columns, indexes, data moves) and the `drop` that a changed argument list or result needs,
 * because `create or replace` cannot change those. (Migrations 00001–00005 still hold the first texts of
 * the functions and views they created: they are history, never edited.)
 */
const SQL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MIGRATIONS_DIRECTORY = path.join(SQL_ROOT, 'migrations');
export const FUNCTIONS_DIRECTORY = path.join(SQL_ROOT, 'functions');
export const VIEWS_DIRECTORY = path.join(SQL_ROOT, 'views');

export interface MigrateOptions {
  /** Progress lines, database notices and what an administrator should run (managed databases). */
  log?: (message: string) => void;
  /** @default sql/migrations */
  migrationsDirectory?: string;
  /** @default sql/functions */
  functionsDirectory?: string;
  /** @default sql/views */
  viewsDirectory?: string;
}

export interface MigrateResult {
  /** File names applied by this call, in order (empty when the database was up to date). */
  applied: string[];
  /** What is missing because the user lacked privileges, with the command that fixes it. */
  missing: Array<{ feature: 'pg_trgm' | 'analyst_role'; command: string }>;
}

/** Where migrate() runs: a pool, or one connection (the sync's session, which it never leaves). */
export interface MigrationTarget {
  task<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
}

/**
 * Brings the database up to date, on the caller's connection or pool (the sync migrates on the session
 * it already holds: one connection for the whole command), or at a URL, for which a one-connection pool
 * is opened and closed (scripts and tests).
 */
export async function migrate(
  database: string | MigrationTarget,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const owned =
    typeof database === 'string'
      ? connectDatabase(database, { poolSize: 1, applicationName: 'yclients-pg migrate' })
      : null;
  const db: MigrationTarget = owned ?? (database as MigrationTarget);
  try {
    return await db.task(async (connection) => {
      // A caller's connection may bound its statements and lock waits (the sync's
      // DATABASE_STATEMENT_TIMEOUT_MS and DATABASE_LOCK_TIMEOUT_MS): a migration, and a wait for another
      // process's migration, are not bounded by them. RESET gives the connection its own values back.
      await connection.query(sql`set statement_timeout = 0`);
      await connection.query(sql`set lock_timeout = 0`);
      try {
        return await migrateLocked(connection, options);
      } finally {
        await connection.query(sql`reset statement_timeout`);
        await connection.query(sql`reset lock_timeout`);
      }
    });
  } finally {
    await owned?.dispose();
  }
}

/** The migration proper, on one connection, under the migration lock. */
async function migrateLocked(connection: Connection, options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrationsDirectory = options.migrationsDirectory ?? MIGRATIONS_DIRECTORY;
  const applied: string[] = [];
  await connection.query(sql`select pg_advisory_lock(${MIGRATION_LOCK[0]}, ${MIGRATION_LOCK[1]})`);
  try {
    // A Connection offers what pg-migrations uses (query, tx, sql) and keeps every statement on the
    // session that holds the lock.
    await prepareMigrationsSchema(connection);
    // Most starts have nothing to do: pg-migrations (slow to load) runs only when a file is new.
    if (await migrationsPending(connection, migrationsDirectory)) {
      const { applyMigrations } = await import('@databases/pg-migrations');
      await applyMigrations({
        connection: connection as unknown as MigrationsPool,
        migrationsDirectory,
        versionTableName: `${MIGRATIONS_SCHEMA}.${VERSION_TABLE}`,
        appliedMigrationsTableName: `${MIGRATIONS_SCHEMA}.${APPLIED_TABLE}`,
        beforeOperation: async (operation) => {
          if (operation.kind === 'apply') {
            applied.push(operation.value.name);
            log(`migrate: applying ${operation.value.name}`);
          }
        },
      });
    }
    const functions = options.functionsDirectory ?? FUNCTIONS_DIRECTORY;
    const views = options.viewsDirectory ?? VIEWS_DIRECTORY;
    const sources = sourcesHash([functions, views]);
    if (applied.length > 0 || (await appliedSourcesHash(connection)) !== sources) {
      await applySources(connection, functions, views);
      await connection.query(sql`
        insert into ${sql.ident(MIGRATIONS_SCHEMA, SOURCES_TABLE)} (id, hash, applied_at) values (0, ${sources}, now())
        on conflict (id) do update set hash = excluded.hash, applied_at = excluded.applied_at`);
    }
    const missing = await missingFeatures(connection);
    for (const m of missing)
      log(`migrate: ${m.feature} is not available; an administrator can run: ${m.command}`);
    return { applied, missing };
  } finally {
    await connection.query(sql`select pg_advisory_unlock(${MIGRATION_LOCK[0]}, ${MIGRATION_LOCK[1]})`);
  }
}

type Queryable = { query(q: ReturnType<typeof sql>): Promise<unknown[]> };

/**
 * pg-migrations' own bookkeeping lives in a schema of ours, not in `public`: a managed database often
 * lets the sync's user create schemas in its database but not objects in `public` (PostgreSQL 15
 * revoked that from PUBLIC). Databases migrated before kept the tables in `public`: they move here.
 */
const MIGRATIONS_SCHEMA = 'yclients_migrations';
const VERSION_TABLE = 'atdatabases_migrations_version';
const APPLIED_TABLE = 'atdatabases_migrations_applied';

const SOURCES_TABLE = 'sources_applied';

async function prepareMigrationsSchema(connection: Queryable): Promise<void> {
  await connection.query(sql`create schema if not exists ${sql.ident(MIGRATIONS_SCHEMA)}`);
  await connection.query(sql`
    create table if not exists ${sql.ident(MIGRATIONS_SCHEMA, SOURCES_TABLE)} (
      id int primary key check (id = 0), hash text not null, applied_at timestamptz not null)`);
  for (const table of [VERSION_TABLE, APPLIED_TABLE]) {
    const [where] = (await connection.query(sql`
      select to_regclass(${`public.${table}`}) is not null as in_public,
             to_regclass(${`${MIGRATIONS_SCHEMA}.${table}`}) is not null as moved`)) as Array<{
      in_public: boolean;
      moved: boolean;
    }>;
    if (where?.in_public && !where.moved) {
      await connection.query(
        sql`alter table ${sql.ident('public', table)} set schema ${sql.ident(MIGRATIONS_SCHEMA)}`,
      );
    }
  }
}

/** Whether a migration file has not been applied yet (or the bookkeeping does not exist yet). */
async function migrationsPending(connection: Queryable, directory: string): Promise<boolean> {
  const [table] = (await connection.query(
    sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${APPLIED_TABLE}`}) is not null as exists`,
  )) as Array<{ exists: boolean }>;
  if (!table?.exists) return true;
  const rows = (await connection.query(
    sql`select name from ${sql.ident(MIGRATIONS_SCHEMA, APPLIED_TABLE)} where not obsolete`,
  )) as Array<{ name: string }>;
  const done = new Set(rows.map((r) => r.name));
  return sourceFiles(directory).some((file) => !done.has(path.basename(file)));
}

/** A hash of the function and view files (names and contents): unchanged files need no re-applying. */
function sourcesHash(directories: string[]): string {
  const hash = createHash('sha256');
  for (const directory of directories) {
    for (const file of sourceFiles(directory)) {
      hash.update(file.slice(SQL_ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

async function appliedSourcesHash(connection: Queryable): Promise<string | null> {
  const [row] = (await connection.query(
    sql`select hash from ${sql.ident(MIGRATIONS_SCHEMA, SOURCES_TABLE)} where id = 0`,
  )) as Array<{ hash: string }>;
  return row?.hash ?? null;
}

/** The `.sql` files of a directory, in name order. */
export function sourceFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => path.join(directory, f));
}

async function applySources(connection: Queryable, functions: string, views: string): Promise<void> {
  await connection.query(sql`set check_function_bodies = off`);
  try {
    for (const file of sourceFiles(functions)) await connection.query(sql.file(file));
  } finally {
    await connection.query(sql`reset check_function_bodies`);
  }
  for (const file of sourceFiles(views)) await connection.query(sql.file(file));
  // Only the sync's own role runs these functions (default privileges cover new ones created by the role
  // that ran 00003; this covers a function created by another role).
  await connection.query(sql`revoke execute on all functions in schema yclients_sync from public`);
}

/**
 * What the managed-database fallbacks left out. When an administrator has since created the extension
 * or the role, the trigram indexes are built and the analyst grants applied here (both idempotent).
 */
async function missingFeatures(connection: Queryable): Promise<MigrateResult['missing']> {
  const [row] = (await connection.query(sql`
    select exists (select 1 from pg_extension where extname = 'pg_trgm') as trgm,
           exists (select 1 from pg_roles where rolname = 'analyst') as analyst,
           to_regprocedure('yclients_sync.ensure_search_indexes()') is not null as has_search,
           to_regprocedure('yclients_sync.grant_analyst()') is not null as has_grant
  `)) as Array<{ trgm: boolean; analyst: boolean; has_search: boolean; has_grant: boolean }>;
  const missing: MigrateResult['missing'] = [];
  if (!row) return missing;
  if (row.has_search && row.trgm) {
    await connection.query(sql`select yclients_sync.ensure_search_indexes()`);
  } else if (row.has_search) {
    missing.push({
      feature: 'pg_trgm',
      command: 'CREATE EXTENSION pg_trgm;  (then run the migration again to build the trigram indexes)',
    });
  }
  if (row.has_grant && row.analyst) {
    await connection.query(sql`select yclients_sync.grant_analyst()`);
  } else if (row.has_grant) {
    missing.push({
      feature: 'analyst_role',
      command: 'CREATE ROLE analyst NOLOGIN;  (then run the migration again to grant it the analytics views)',
    });
  }
  return missing;
}
