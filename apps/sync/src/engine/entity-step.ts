/**
 * One entity of one company: skipped while it waits for its next try, else its pipeline, with the retry
 * state machine of design §4.5 around it and its counts, quarantined rows and withheld deletes in the
 * run log.
 */
import type { Queryable } from '@databases/pg';
import { YclientsAuthError, type YclientsClient } from '@yclients-pg/sdk';
import {
  addCounts,
  finishRunEntity,
  markFailed,
  markInProgress,
  markSucceeded,
  readState,
  startRunEntity,
  zeroCounts,
} from '@yclients-pg/sql';
import type { SyncDeps, SyncOptions } from '../commands/sync';
import type { SyncConfig } from '../config';
import { PIPELINES } from '../entities';
import type { EntityName } from '../entities/names';
import { DeletesWithheldError, errorText } from '../errors';
import { isUnreachable } from './database';
import type { EntitySummary } from './summary';

export async function syncEntity(
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
  const stored = deps.stored ?? errorText;
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
