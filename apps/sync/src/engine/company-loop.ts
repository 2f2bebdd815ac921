/**
 * One run over the companies: open the run log, build the API client (one request budget for every
 * company), log in if needed, then each company's entities in dependency order, and close the run with
 * its outcome.
 */
import type { Queryable } from '@databases/pg';
import { createYclientsClient, YclientsAuthError, type YclientsClient } from '@yclients-pg/sdk';
import { abandonDeadRuns, closeRun, openRun, zeroCounts } from '@yclients-pg/sql';
import type { SyncDeps, SyncOptions } from '../commands/sync';
import type { SyncConfig } from '../config';
import type { EntityName } from '../entities/names';
import { CredentialsRefusedError, errorText } from '../errors';
import { syncEntity } from './entity-step';
import { runOutcome, throwUnlessSucceeded } from './outcome';
import type { EntitySummary, SyncSummary } from './summary';

export async function syncCompanies(
  db: Queryable,
  config: SyncConfig,
  options: SyncOptions & { companyIds: number[] },
  entities: EntityName[],
  deps: SyncDeps,
  startedAt: number,
): Promise<SyncSummary> {
  const { log } = deps;
  const stored = deps.stored ?? errorText;
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
    ...retryWaits(config.clockSpeed),
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

  const { status, error, everythingRefused, failed } = runOutcome(
    summaries,
    refusedCompanies,
    options.companyIds,
  );
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
  throwUnlessSucceeded(summary, { everythingRefused, failed });
  return summary;
}

/**
 * The SDK's retry waits (its defaults in packages/yclients-sdk/src/client.ts: 500 ms doubling up to
 * 30 s, a `Retry-After` honoured up to 60 s), shortened by the test clock's speed; the SDK's default at
 * speed 1. A throttled answer's back-off floor is at most the longest wait, so it shrinks with them.
 */
function retryWaits(speed: number): { retryBaseMs?: number; retryMaxMs?: number; retryAfterMaxMs?: number } {
  if (speed === 1) return {};
  return { retryBaseMs: 500 / speed, retryMaxMs: 30_000 / speed, retryAfterMaxMs: 60_000 / speed };
}
