/**
 * `pnpm sync`: open the database, take the companies' locks, migrate, then run the companies (engine/
 * company-loop.ts), in a transaction that is rolled back for `--dry-run`. Returns a summary; throws only
 * typed errors (mapped to exit codes in one place, cli/exit-codes.ts).
 */
import type { Queryable } from '@databases/pg';
import { migrate, tryLockCompanies, unlockCompanies } from '@yclients-pg/sql';
import { type SyncConfig, secretsOf } from '../config';
import { syncCompanies } from '../engine/company-loop';
import { isUnreachable, migrationRefused, openDatabase } from '../engine/database';
import type { SyncSummary } from '../engine/summary';
import { ENTITY_NAMES, type EntityName } from '../entities/names';
import { DatabaseUnreachableError, errorText, LockHeldError } from '../errors';
import type { Logger } from '../log/logger';
import type { Progress } from '../log/progress';
import { makeRedactor } from '../log/redact';

export interface SyncOptions {
  only?: EntityName[];
  full: boolean;
  dryRun: boolean;
  /** `--confirm-deletes`: mass deletes the brake would withhold are real; make them. */
  confirmDeletes?: boolean;
  /** `--company`: narrows the configured companies. */
  companyIds?: number[];
}

export interface SyncDeps {
  log: Logger;
  /** An error's text as it may be stored and shown: secrets masked (set by runSync). */
  stored?: (error: unknown) => string;
  progress: Progress;
  env?: NodeJS.ProcessEnv;
  /** For tests: a custom fetch for the SDK. */
  fetch?: typeof fetch;
}

class DryRunRollback extends Error {}

/**
 * How often the session that holds the company locks is pinged while it waits on the API, so a server's
 * `idle_session_timeout` (or a proxy's idle cut-off) does not end it, and with it the locks.
 */
const SESSION_HEARTBEAT_MS = 2_000;

export async function runSync(
  config: SyncConfig,
  options: SyncOptions,
  deps: SyncDeps,
): Promise<SyncSummary> {
  const startedAt = Date.now();
  const companyIds = options.companyIds?.length ? options.companyIds : config.companyIds;
  const entities = ENTITY_NAMES.filter((e) => !options.only || options.only.includes(e));
  const { db, url, close } = await openDatabase(config, deps);
  try {
    // Every write of the run goes through the one session that holds the company locks: if that
    // session ends (terminated, timed out, a failover), its locks go with it and so does every later
    // write, so a run can never write without its lock. (A transaction-mode pooler cannot hold a
    // session lock: the README says to use a direct or session-mode connection.) The locks come first,
    // so a second run exits 3 before it spends any time on migrations.
    return await db.task(async (session) => {
      const held = await tryLockCompanies(session, companyIds);
      if (held.length > 0) throw new LockHeldError(held);
      const heartbeat = setInterval(() => {
        session.query(session.sql`select 1`).catch(() => {}); // a lost session fails the next write
      }, SESSION_HEARTBEAT_MS);
      try {
        await migrate(session, { log: (m: string) => deps.log.info(m) }).catch((error) => {
          throw migrationRefused(error, url) ?? error;
        });
        // Error texts are stored (sync_state, the run log) and shown by `status`: no secret in them.
        const redact = makeRedactor(secretsOf(config));
        const stored = (error: unknown) => redact(errorText(error));
        const work = (q: Queryable) =>
          syncCompanies(q, config, { ...options, companyIds }, entities, { ...deps, stored }, startedAt);
        if (!options.dryRun) return await work(session);
        let result: SyncSummary | undefined;
        await session
          .tx(async (tx) => {
            result = await work(tx);
            throw new DryRunRollback();
          })
          .catch((error) => {
            if (!(error instanceof DryRunRollback)) throw error;
          });
        return result!;
      } finally {
        clearInterval(heartbeat);
        await unlockCompanies(session, companyIds).catch(() => {});
      }
    });
  } catch (error) {
    if (isUnreachable(error)) {
      throw new DatabaseUnreachableError(
        `lost the database connection during the run; the session holding the company locks went with it, so nothing more was written (the next run resumes from the last committed page): ${errorText(error)}`,
      );
    }
    throw error;
  } finally {
    await close();
  }
}
