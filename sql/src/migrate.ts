/**
 * Applies `sql/migrations` with @databases/pg-migrations under a dedicated advisory lock, so two processes
 * that start on an empty database at the same moment do not race (the second waits, then finds nothing to
 * do). The lock is the two-key form, so it never collides with the sync's one-key (bigint) company locks.
 * Notices the migrations raise (e.g. "pg_trgm could not be created, an administrator can run …") go to `log`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from '@databases/pg';
import { applyMigrations, type ConnectionPool as MigrationsPool } from '@databases/pg-migrations';
import { connectDatabase } from './connect';

/** `pg_advisory_lock(key1, key2)` held while migrating: 'ycli' and 1. */
export const MIGRATION_LOCK: readonly [number, number] = [0x79636c69, 1];

export const MIGRATIONS_DIRECTORY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'migrations',
);

/**
 * Functions defined once each, in their own file, and re-applied (`create or replace`) after the
 * migrations on every migrate(): the file is the function's current text. A migration drops a function
 * whose signature changes. The files are applied in name order and are all plpgsql (whose bodies are
 * checked when called, not when created), so the order does not matter.
 */
export const FUNCTIONS_DIRECTORY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'functions',
);

export interface MigrateOptions {
  /** Progress lines, database notices and what an administrator should run (managed databases). */
  log?: (message: string) => void;
  /** @default sql/migrations */
  migrationsDirectory?: string;
  /** @default sql/functions */
  functionsDirectory?: string;
}

export interface MigrateResult {
  /** File names applied by this call, in order (empty when the database was up to date). */
  applied: string[];
  /** What is missing because the user lacked privileges, with the command that fixes it. */
  missing: Array<{ feature: 'pg_trgm' | 'analyst_role'; command: string }>;
}

type Notice = { message?: string };
type NoticeListener = (notice: Notice) => void;
interface PgClientHolder {
  _driver?: {
    client?: {
      on(event: 'notice', fn: NoticeListener): void;
      off?(event: 'notice', fn: NoticeListener): void;
    };
  };
}

/** Brings the database at `connectionString` up to date. */
export async function migrate(
  connectionString: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrationsDirectory = options.migrationsDirectory ?? MIGRATIONS_DIRECTORY;
  const db = connectDatabase(connectionString, { poolSize: 1, applicationName: 'yclients-pg migrate' });
  const applied: string[] = [];
  try {
    return await db.task(async (connection) => {
      // Forward NOTICEs of this session (pg-migrations' own API has no hook for them).
      const client = (connection as unknown as PgClientHolder)._driver?.client;
      // "… already exists, skipping" is pg-migrations' own `create … if not exists`: noise, not news.
      const onNotice: NoticeListener = (notice) => {
        const message = notice.message ?? String(notice);
        if (!message.endsWith(', skipping')) log(message);
      };
      client?.on('notice', onNotice);
      await connection.query(sql`select pg_advisory_lock(${MIGRATION_LOCK[0]}, ${MIGRATION_LOCK[1]})`);
      try {
        // A Connection offers what pg-migrations uses (query, tx, sql) and keeps every statement on the
        // session that holds the lock.
        await applyMigrations({
          connection: connection as unknown as MigrationsPool,
          migrationsDirectory,
          beforeOperation: async (operation) => {
            if (operation.kind === 'apply') {
              applied.push(operation.value.name);
              log(`migrate: applying ${operation.value.name}`);
            }
          },
        });
        await applyFunctions(connection, options.functionsDirectory ?? FUNCTIONS_DIRECTORY);
        const missing = await missingFeatures(connection);
        for (const m of missing)
          log(`migrate: ${m.feature} is not available; an administrator can run: ${m.command}`);
        return { applied, missing };
      } finally {
        await connection.query(sql`select pg_advisory_unlock(${MIGRATION_LOCK[0]}, ${MIGRATION_LOCK[1]})`);
        client?.off?.('notice', onNotice);
      }
    });
  } finally {
    await db.dispose();
  }
}

type Queryable = { query(q: ReturnType<typeof sql>): Promise<unknown[]> };

async function applyFunctions(connection: Queryable, directory: string): Promise<void> {
  const files = readdirSync(directory)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const file of files) {
    await connection.query(sql.file(path.join(directory, file)));
  }
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
