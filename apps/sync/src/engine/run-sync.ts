/**
 * One `pnpm sync`: connect, migrate, lock the companies, open a run, then for each company each entity
 * in dependency order, with the retry state machine of design §4.5. Returns a summary; throws only
 * typed errors (mapped to exit codes in one place, cli/exit-codes.ts).
 */
import type { ConnectionPool, Queryable } from '@databases/pg';
import { createYclientsClient, YclientsAuthError, type YclientsClient } from '@yclients-pg/sdk';
import {
  abandonDeadRuns,
  addCounts,
  closeRun,
  connectDatabase,
  finishRunEntity,
  markFailed,
  markInProgress,
  markSucceeded,
  migrate,
  openRun,
  readState,
  redactDatabaseUrl,
  resolveDatabase,
  startRunEntity,
  tryLockCompanies,
  unlockCompanies,
  zeroCounts,
} from '@yclients-pg/sql';
import { type SyncConfig, secretsOf } from '../config';
import { PIPELINES } from '../entities';
import { ENTITY_NAMES, type EntityName } from '../entities/names';
import {
  ConfigError,
  CredentialsRefusedError,
  DatabaseUnreachableError,
  DeletesWithheldError,
  LockHeldError,
  PartialSyncError,
} from '../errors';
import type { Logger } from '../log/logger';
import type { Progress } from '../log/progress';
import { makeRedactor } from '../log/redact';
import type { EntitySummary, SyncSummary } from './summary';

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/** PostgreSQL could not be reached at all (as opposed to a query failing). */
export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.code === '28P01' || e.code === '28000' || e.code === '3D000') return true;
  // the session ended under us: connection exceptions, terminated by an administrator, a crash or
  // restart of the server, an idle-session timeout
  if (e.code?.startsWith('08') || /^57P0[1-5]$/.test(e.code ?? '')) return true;
  if (/timeout expired|Connection terminated|connect ETIMEDOUT|getaddrinfo/i.test(e.message ?? ''))
    return true;
  return e.cause ? isUnreachable(e.cause) : false;
}

/** TLS was asked for and could not be had: the server offers none, or its certificate does not verify. */
function isTlsFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (/SSL|TLS|certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message ?? ''}`))
    return true;
  return e.cause ? isTlsFailure(e.cause) : false;
}

/**
 * A migration the sync's database user may not run (SQLSTATE 42501): a configuration problem with the
 * statements an administrator can run, not a bug.
 */
function migrationRefused(error: unknown, url: string): ConfigError | null {
  if ((error as { code?: string } | undefined)?.code !== '42501') return null;
  let user = 'the sync user';
  let database = 'the database';
  try {
    const parsed = new URL(url);
    if (parsed.username) user = decodeURIComponent(parsed.username);
    if (parsed.pathname.length > 1) database = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    // keep the generic names
  }
  return new ConfigError([
    {
      variable: 'DATABASE_URL',
      message:
        `the database user may not create what the migrations need (${messageOf(error)}); ` +
        `an administrator can run: GRANT CREATE ON DATABASE "${database}" TO "${user}"; GRANT CREATE ON SCHEMA public TO "${user}";`,
    },
  ]);
}

export async function openDatabase(
  config: Pick<SyncConfig, 'databaseUrl'> & Partial<Pick<SyncConfig, 'statementTimeoutMs' | 'lockTimeoutMs'>>,
  deps: Pick<SyncDeps, 'log' | 'env'>,
): Promise<{ db: ConnectionPool; url: string; close(): Promise<void> }> {
  const resolved = await resolveDatabase(
    config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : (deps.env ?? {}),
    {
      log: (m) => deps.log.info(m),
    },
  ).catch((error) => {
    throw new DatabaseUnreachableError(`could not start the embedded PostgreSQL: ${messageOf(error)}`);
  });
  if (resolved.embedded)
    deps.log.info('using the embedded PostgreSQL (DATABASE_URL is not set)', {
      dataDir: resolved.embedded.dataDir,
    });
  const db = connectDatabase(resolved.url, {
    poolSize: 2,
    statementTimeoutMs: config.statementTimeoutMs,
    lockTimeoutMs: config.lockTimeoutMs,
  });
  try {
    await db.query(db.sql`select 1`);
  } catch (error) {
    await db.dispose().catch(() => {});
    if (isTlsFailure(error)) {
      throw new DatabaseUnreachableError(
        `no TLS connection to the database at ${redactDatabaseUrl(resolved.url)} (check sslmode and sslrootcert in DATABASE_URL): ${messageOf(error)}`,
      );
    }
    if (isUnreachable(error)) {
      const code = (error as { code?: string }).code;
      const what =
        code === '28P01' || code === '28000'
          ? 'the database refused the login'
          : code === '3D000'
            ? 'no such database'
            : 'cannot reach the database';
      throw new DatabaseUnreachableError(
        `${what} at ${redactDatabaseUrl(resolved.url)}: ${messageOf(error)}`,
      );
    }
    throw error;
  }
  return {
    db,
    url: resolved.url,
    close: async () => {
      await db.dispose();
      // Stop the embedded server we started (a server we only joined belongs to its starter).
      if (resolved.embedded?.owned) await resolved.embedded.stop();
    },
  };
}

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
        await migrate(url, { log: (m: string) => deps.log.info(m) }).catch((error) => {
          throw migrationRefused(error, url) ?? error;
        });
        // Error texts are stored (sync_state, the run log) and shown by `status`: no secret in them.
        const redact = makeRedactor(secretsOf(config));
        const stored = (error: unknown) => redact(messageOf(error));
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
        `lost the database connection during the run; the session holding the company locks went with it, so nothing more was written (the next run resumes from the last committed page): ${messageOf(error)}`,
      );
    }
    throw error;
  } finally {
    await close();
  }
}

async function syncCompanies(
  db: Queryable,
  config: SyncConfig,
  options: SyncOptions & { companyIds: number[] },
  entities: EntityName[],
  deps: SyncDeps,
  startedAt: number,
): Promise<SyncSummary> {
  const { log } = deps;
  const stored = deps.stored ?? messageOf;
  const runId = await openRun(db, {
    companyIds: options.companyIds,
    only: options.only ?? null,
    full: options.full,
    dryRun: options.dryRun,
    confirmDeletes: options.confirmDeletes ?? false,
  });
  const abandoned = await abandonDeadRuns(db, runId, options.companyIds);
  if (abandoned > 0)
    log.warn('marked runs left running by a stopped process as abandoned', { count: abandoned });
  log.info('sync started', {
    runId,
    companies: options.companyIds.join(','),
    entities: entities.join(','),
    full: options.full,
    dryRun: options.dryRun,
  });

  let requests = 0;
  const yc: YclientsClient = createYclientsClient({
    partnerToken: config.partnerToken,
    ...(config.userToken
      ? { userToken: config.userToken }
      : { login: config.login!, password: config.password! }),
    baseUrl: config.baseUrl,
    rps: config.rps,
    rpm: config.rpm,
    timeoutMs: config.httpTimeoutMs,
    maxResponseBytes: config.maxResponseMb * 1024 * 1024,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    hooks: {
      onResponse: (info) => {
        requests += 1;
        log.debug('request', {
          method: info.method,
          path: info.path,
          status: info.status,
          durationMs: info.ms,
          attempt: info.attempt,
        });
      },
    },
  });

  const summaries: EntitySummary[] = [];
  const refusedCompanies: number[] = [];
  const runStartedAt = new Date(startedAt);
  try {
    if (config.login && !config.userToken) await yc.authenticate();
  } catch (error) {
    if (error instanceof YclientsAuthError) {
      await closeRun(db, runId, 'failed', stored(error));
      throw new CredentialsRefusedError(`YClients refused the login: ${stored(error)}`);
    }
    throw error;
  }

  for (const companyId of options.companyIds) {
    let timeZone: string;
    try {
      // The SDK's company() always gives a valid IANA zone (FALLBACK_TIME_ZONE when YClients has none).
      timeZone = (await yc.company(companyId)).timezone;
    } catch (error) {
      if (error instanceof YclientsAuthError) {
        log.error('YClients refused access to the company', {
          companyId,
          status: error.status,
          error: stored(error),
        });
        refusedCompanies.push(companyId);
        continue;
      }
      for (const entity of entities) {
        summaries.push({
          companyId,
          entity,
          status: 'failed',
          pages: 0,
          rows: 0,
          requests: 0,
          durationMs: 0,
          repaired: 0,
          withheld: 0,
          error: stored(error),
          ...zeroCounts(),
        });
      }
      log.error('could not read the company', { companyId, error: stored(error) });
      continue;
    }
    for (const entity of entities) {
      summaries.push(
        await syncEntity(db, yc, config, options, deps, {
          companyId,
          entity,
          runId,
          timeZone,
          runStartedAt,
          requestsSoFar: () => requests,
        }),
      );
    }
  }

  // An entity still waiting for its next try after a failure is a failure of this run too: its data is
  // as stale as it was, and cron must keep seeing it (exit 5) until a run gets it through.
  const failed = summaries.filter((s) => s.status !== 'succeeded');
  const attempted = summaries.filter((s) => s.status !== 'skipped');
  const everythingRefused =
    options.companyIds.length === refusedCompanies.length ||
    (attempted.length > 0 && attempted.every((s) => s.refused));
  const status: SyncSummary['status'] =
    everythingRefused || (attempted.length > 0 && failed.length === attempted.length)
      ? 'failed'
      : failed.length > 0 || refusedCompanies.length > 0
        ? 'partial'
        : 'succeeded';
  const error =
    failed.map((f) => `${f.entity}@${f.companyId}: ${f.error}`).join('; ') ||
    (refusedCompanies.length ? `refused: ${refusedCompanies.join(', ')}` : undefined);
  await closeRun(db, runId, status, error);
  const summary: SyncSummary = {
    runId,
    status,
    dryRun: options.dryRun,
    entities: summaries,
    refusedCompanies,
    requests,
    durationMs: Date.now() - startedAt,
  };
  log.info(options.dryRun ? 'dry run finished: everything above was rolled back' : 'sync finished', {
    runId,
    status,
    requests,
    durationMs: summary.durationMs,
  });
  if (everythingRefused) {
    throw Object.assign(
      new CredentialsRefusedError('YClients refused the credentials or the licence for every company'),
      { summary },
    );
  }
  if (status !== 'succeeded') {
    throw Object.assign(
      new PartialSyncError([
        ...failed.map((f) => ({ companyId: f.companyId, entity: f.entity, error: f.error ?? '' })),
        ...refusedCompanies.map((c) => ({ companyId: c, entity: 'company', error: 'access refused' })),
      ]),
      { summary },
    );
  }
  return summary;
}

async function syncEntity(
  db: Queryable,
  yc: YclientsClient,
  config: SyncConfig,
  options: SyncOptions,
  deps: SyncDeps,
  at: {
    companyId: number;
    entity: EntityName;
    runId: number;
    timeZone: string;
    runStartedAt: Date;
    requestsSoFar: () => number;
  },
): Promise<EntitySummary> {
  const { companyId, entity, runId } = at;
  const log = deps.log.child({ companyId, entity });
  const stored = deps.stored ?? messageOf;
  const summary: EntitySummary = {
    companyId,
    entity,
    status: 'succeeded',
    pages: 0,
    rows: 0,
    requests: 0,
    durationMs: 0,
    repaired: 0,
    withheld: 0,
    ...zeroCounts(),
  };
  const state = await readState(db, companyId, entity);
  if (
    !options.full &&
    !options.confirmDeletes &&
    state?.nextTryAt &&
    state.nextTryAt.getTime() > Date.now() &&
    (state.status === 'retry_waiting' || state.status === 'error')
  ) {
    log.warn('skipped: waiting before the next try after a failure', {
      nextTryAt: state.nextTryAt.toISOString(),
      tries: state.tryCount,
      lastError: state.lastError,
    });
    summary.status = 'skipped';
    summary.error = `next try at ${state.nextTryAt.toISOString()}`;
    await finishRunEntity(db, runId, companyId, entity, {
      status: 'skipped',
      requests: 0,
      error: summary.error,
    });
    return summary;
  }
  const started = Date.now();
  const requestsBefore = at.requestsSoFar();
  await startRunEntity(db, runId, companyId, entity);
  await markInProgress(db, companyId, entity);
  const withheld: Array<{ scope: string; unseen: number; live: number }> = [];
  try {
    await PIPELINES[entity]({
      yc,
      db,
      config,
      companyId,
      runId,
      timeZone: at.timeZone,
      runStartedAt: at.runStartedAt,
      full: options.full,
      guard: {
        maxRows: config.deleteBrakeRows,
        maxFraction: config.deleteBrakePercent / 100,
        confirmed: options.confirmDeletes ?? false,
      },
      state,
      log,
      progress: deps.progress,
      counted: (rows, counts, page) => {
        summary.pages += 1;
        summary.rows += rows;
        summary.repaired += (page.repairs?.nulDropped ?? 0) + (page.repairs?.surrogatesReplaced ?? 0);
        addCounts(summary, counts);
        log.debug('page merged', { rows, ...counts });
        const rejected = page.rejected ?? [];
        if (rejected.length > 0) {
          // ids and reasons only: a row's text may hold a phone (it is kept in yclients_sync.quarantine)
          log.warn('rows quarantined: they cannot be stored (see yclients_sync.quarantine)', {
            count: rejected.length,
            rows: rejected.slice(0, 5).map((r) => ({ id: r.id, reason: r.reason })),
          });
        }
      },
      removed: (count) => {
        summary.deleted += count;
      },
      withheld: (scope, unseen, live, sample) => {
        withheld.push({ scope, unseen, live });
        summary.withheld += unseen;
        log.warn(
          `${scope}: upstream no longer returns ${unseen} of ${live} live rows; that is more than the brake allows ` +
            `(${config.deleteBrakeRows} rows and ${config.deleteBrakePercent}%), so none were deleted. ` +
            'If they really were deleted upstream, run again with --confirm-deletes',
          { unseen, live, wouldDelete: sample },
        );
      },
    });
    if (withheld.length > 0) throw new DeletesWithheldError(withheld);
    await markSucceeded(db, companyId, entity);
  } catch (error) {
    deps.progress.clear();
    if (isUnreachable(error)) throw error; // the session is gone: no entity can go on, nothing to record
    summary.status = error instanceof DeletesWithheldError ? 'partial' : 'failed';
    summary.error = stored(error);
    summary.refused = error instanceof YclientsAuthError;
    const next = await markFailed(db, companyId, entity, summary.error);
    log.error('entity failed', {
      error: summary.error,
      tries: next.tryCount,
      state: next.status,
      nextTryAt: next.nextTryAt,
    });
  } finally {
    deps.progress.done();
  }
  summary.requests = at.requestsSoFar() - requestsBefore;
  summary.durationMs = Date.now() - started;
  await finishRunEntity(db, runId, companyId, entity, {
    status: summary.status === 'skipped' ? 'succeeded' : summary.status,
    requests: summary.requests,
    withheld: summary.withheld,
    ...(summary.error ? { error: summary.error } : {}),
  });
  if (summary.status === 'succeeded') {
    log.info('entity synced', {
      rows: summary.rows,
      inserted: summary.inserted,
      updated: summary.updated,
      unchanged: summary.unchanged,
      deleted: summary.deleted,
      quarantined: summary.quarantined,
      repaired: summary.repaired,
      requests: summary.requests,
      durationMs: summary.durationMs,
    });
  }
  return summary;
}
