/**
 * One entity of one company (engine/entity-step.ts) on its own (issue 19, surviving mutants): the skip
 * while an entity waits for its next try, the retry state it leaves, the counts it adds up and what it
 * writes to the run log. The end-to-end suites reach these through whole runs (paths.test.ts: an
 * entity waiting; sync.test.ts: an entity that keeps failing); here the state machine's calls are
 * counted one by one. The SQL behind them is tested against PostgreSQL in sql/test.
 */
import { YclientsAuthError } from '@yclients-pg/sdk';
import type { EntityState } from '@yclients-pg/sql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncOptions } from '../src/commands/sync';
import type { SyncConfig } from '../src/config';
import { syncEntity } from '../src/engine/entity-step';
import type { EntityContext } from '../src/entities/context';
import type { Logger } from '../src/log/logger';

const sql = vi.hoisted(() => ({
  readState: vi.fn(),
  startRunEntity: vi.fn(),
  markInProgress: vi.fn(),
  markSucceeded: vi.fn(),
  markFailed: vi.fn(),
  finishRunEntity: vi.fn(),
}));
vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...sql,
}));
const pipeline = vi.hoisted(() => vi.fn());
vi.mock('../src/entities', () => ({
  PIPELINES: new Proxy({}, { get: () => pipeline }),
}));

const config = { deleteBrakeRows: 20, deleteBrakePercent: 10 } as SyncConfig;
const HOUR = 3_600_000;

type Line = { level: string; event: string; fields?: Record<string, unknown>; scope?: unknown };

function harness(options: Partial<SyncOptions> = {}, state: Partial<EntityState> | null = null) {
  const lines: Line[] = [];
  const logger = (scope?: unknown): Logger => ({
    debug: (event, fields) => lines.push({ level: 'debug', event, fields, scope }),
    info: (event, fields) => lines.push({ level: 'info', event, fields, scope }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields, scope }),
    error: (event, fields) => lines.push({ level: 'error', event, fields, scope }),
    child: (s) => logger(s),
    print: () => {},
    json: true,
  });
  const progress = { start: vi.fn(), total: vi.fn(), page: vi.fn(), done: vi.fn(), clear: vi.fn() };
  sql.readState.mockResolvedValue(
    state && {
      lastId: null,
      lastOrdinal: null,
      pageSize: null,
      cursor: null,
      status: 'succeeded',
      tryCount: 0,
      nextTryAt: null,
      lastError: null,
      ...state,
    },
  );
  let requests = 40;
  const run = () =>
    syncEntity(
      'the session' as never,
      'the client' as never,
      config,
      { full: false, dryRun: false, ...options },
      { log: logger(), progress, stored: (e) => `stored: ${(e as Error).message}` },
      {
        companyId: 101,
        entity: 'records',
        runId: 7,
        timeZone: 'Europe/Moscow',
        runStartedAt: new Date('2026-11-23T10:00:00Z'),
        requestsSoFar: () => requests,
      },
    );
  const makeRequests = (n: number) => {
    requests += n;
  };
  return { run, lines, progress, makeRequests };
}

afterEach(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  for (const fn of Object.values(sql)) fn.mockReset();
  pipeline.mockReset();
  sql.markFailed.mockResolvedValue({
    status: 'retry_waiting',
    tryCount: 1,
    nextTryAt: new Date('2026-11-23T10:01:00Z'),
  });
});

const page = (ids: number[], extra: object = {}) => ({ rows: ids.map((id) => ({ id })), ...extra });
const counts = (inserted: number, updated = 0) => ({
  inserted,
  updated,
  unchanged: 0,
  deleted: 0,
  quarantined: 0,
});

describe('an entity waiting for its next try', () => {
  for (const status of ['retry_waiting', 'error']) {
    it(`(${status}) is skipped: no pipeline, no state change, a skipped row in the run log`, async () => {
      const nextTryAt = new Date(Date.now() + HOUR);
      const h = harness({}, { status, nextTryAt, tryCount: 2, lastError: 'boom' });
      const summary = await h.run();
      expect(pipeline).not.toHaveBeenCalled();
      expect(sql.startRunEntity).not.toHaveBeenCalled();
      expect(sql.markInProgress).not.toHaveBeenCalled();
      expect(sql.markFailed).not.toHaveBeenCalled();
      expect(summary).toMatchObject({
        status: 'skipped',
        error: `next try at ${nextTryAt.toISOString()}`,
        requests: 0,
      });
      expect(sql.finishRunEntity.mock.calls).toEqual([
        [
          'the session',
          7,
          101,
          'records',
          { status: 'skipped', requests: 0, error: `next try at ${nextTryAt.toISOString()}` },
        ],
      ]);
      expect(h.lines).toEqual([
        {
          level: 'warn',
          event: 'skipped: waiting before the next try after a failure',
          fields: { nextTryAt: nextTryAt.toISOString(), tries: 2, lastError: 'boom' },
          scope: { companyId: 101, entity: 'records' },
        },
      ]);
    });
  }

  it('runs when its next try is due this very millisecond', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T10:00:00Z'));
    pipeline.mockResolvedValue(undefined);
    const summary = await harness(
      {},
      { status: 'retry_waiting', nextTryAt: new Date('2026-11-23T10:00:00Z') },
    ).run();
    expect(pipeline).toHaveBeenCalledTimes(1);
    expect(summary.status).toBe('succeeded');
  });

  const waiting = { status: 'retry_waiting', nextTryAt: new Date(Date.now() + HOUR) };
  const cases: Array<[string, Partial<SyncOptions>, Partial<EntityState>]> = [
    ['its time has come', {}, { ...waiting, nextTryAt: new Date(Date.now() - 1000) }],
    ['--full', { full: true }, waiting],
    ['--confirm-deletes', { confirmDeletes: true }, waiting],
    ['a future next try on an entity that did not fail', {}, { ...waiting, status: 'succeeded' }],
    ['no next try', {}, { status: 'retry_waiting', nextTryAt: null }],
  ];
  for (const [what, options, state] of cases) {
    it(`runs when ${what}`, async () => {
      pipeline.mockResolvedValue(undefined);
      const summary = await harness(options, state).run();
      expect(pipeline).toHaveBeenCalledTimes(1);
      expect(summary.status).toBe('succeeded');
      expect(sql.markSucceeded).toHaveBeenCalledTimes(1);
    });
  }
});

describe('an entity that runs', () => {
  it('passes its context, adds up the pages, counts and requests, and succeeds', async () => {
    const h = harness({ full: true, confirmDeletes: true }, null);
    pipeline.mockImplementation(async (ctx: EntityContext) => {
      expect(ctx).toMatchObject({
        yc: 'the client',
        db: 'the session',
        config,
        companyId: 101,
        runId: 7,
        timeZone: 'Europe/Moscow',
        runStartedAt: new Date('2026-11-23T10:00:00Z'),
        full: true,
        guard: { maxRows: 20, maxFraction: 0.1, confirmed: true },
        state: null,
      });
      ctx.counted(3, counts(2, 1), page([1, 2, 3], { repairs: { nulDropped: 2, surrogatesReplaced: 1 } }));
      ctx.counted(2, counts(1), page([4, 5]));
      ctx.removed(4);
      ctx.removed(1);
      h.makeRequests(6);
    });
    const summary = await h.run();
    expect(summary).toMatchObject({
      companyId: 101,
      entity: 'records',
      status: 'succeeded',
      pages: 2,
      rows: 5,
      repaired: 3,
      inserted: 3,
      updated: 1,
      deleted: 5,
      withheld: 0,
      requests: 6,
    });
    expect(summary.error).toBeUndefined();
    expect(summary.refused).toBeUndefined();
    expect(sql.startRunEntity.mock.calls).toEqual([['the session', 7, 101, 'records']]);
    expect(sql.markInProgress.mock.calls).toEqual([['the session', 101, 'records']]);
    expect(sql.markSucceeded.mock.calls).toEqual([['the session', 101, 'records']]);
    expect(sql.markFailed).not.toHaveBeenCalled();
    expect(sql.finishRunEntity.mock.calls).toEqual([
      ['the session', 7, 101, 'records', { status: 'succeeded', requests: 6, withheld: 0 }],
    ]);
    expect(h.progress.done).toHaveBeenCalledTimes(1);
    expect(h.progress.clear).not.toHaveBeenCalled();
    expect(h.lines.filter((l) => l.event === 'page merged')).toEqual([
      {
        level: 'debug',
        event: 'page merged',
        fields: { rows: 3, ...counts(2, 1) },
        scope: { companyId: 101, entity: 'records' },
      },
      {
        level: 'debug',
        event: 'page merged',
        fields: { rows: 2, ...counts(1) },
        scope: { companyId: 101, entity: 'records' },
      },
    ]);
    const synced = h.lines.find((l) => l.event === 'entity synced');
    expect(synced?.level).toBe('info');
    expect(synced?.fields).toMatchObject({
      rows: 5,
      inserted: 3,
      updated: 1,
      deleted: 5,
      repaired: 3,
      requests: 6,
    });
  });

  it("its duration is the pipeline's", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T10:00:00Z'));
    pipeline.mockImplementation(async () => {
      vi.setSystemTime(Date.now() + 250);
    });
    const summary = await harness().run();
    expect(summary.durationMs).toBe(250);
  });

  it('the guard is not confirmed without --confirm-deletes', async () => {
    pipeline.mockImplementation(async (ctx: EntityContext) => {
      expect(ctx.guard).toEqual({ maxRows: 20, maxFraction: 0.1, confirmed: false });
      expect(ctx.full).toBe(false);
    });
    expect((await harness().run()).status).toBe('succeeded');
    expect(pipeline).toHaveBeenCalledTimes(1);
  });

  it('logs quarantined rows by id and reason only, the first five', async () => {
    const h = harness();
    const rejected = [1, 2, 3, 4, 5, 6].map((id) => ({
      id,
      reason: `bad ${id}`,
      row: { phone: '+79161234567' },
    }));
    pipeline.mockImplementation(async (ctx: EntityContext) => {
      ctx.counted(1, counts(1), page([9]));
      ctx.counted(7, counts(1), page([10], { rejected }));
    });
    await h.run();
    const warned = h.lines.filter((l) => l.level === 'warn');
    expect(warned).toEqual([
      {
        level: 'warn',
        event: 'rows quarantined: they cannot be stored (see yclients_sync.quarantine)',
        fields: { count: 6, rows: rejected.slice(0, 5).map(({ id, reason }) => ({ id, reason })) },
        scope: { companyId: 101, entity: 'records' },
      },
    ]);
  });

  it('deletes the brake withheld: partial, the retry state marked, the scopes reported and counted', async () => {
    const h = harness();
    pipeline.mockImplementation(async (ctx: EntityContext) => {
      ctx.counted(3, counts(3), page([1, 2, 3]));
      ctx.withheld('records 2024-01-01..2024-01-31', 30, 100, [1, 2, 3]);
      ctx.withheld('records 2024-02-01..2024-02-29', 25, 90, [4]);
      h.makeRequests(2);
    });
    const summary = await h.run();
    expect(summary).toMatchObject({ status: 'partial', withheld: 55, rows: 3, requests: 2, refused: false });
    expect(summary.error).toMatch(
      /^stored: deletes withheld: records 2024-01-01\.\.2024-01-31 would remove 30 of 100 live rows; records 2024-02-01\.\.2024-02-29 would remove 25 of 90 live rows/,
    );
    expect(sql.markSucceeded).not.toHaveBeenCalled();
    expect(sql.markFailed.mock.calls).toEqual([['the session', 101, 'records', summary.error]]);
    expect(sql.finishRunEntity.mock.calls).toEqual([
      [
        'the session',
        7,
        101,
        'records',
        { status: 'partial', requests: 2, withheld: 55, error: summary.error },
      ],
    ]);
    const braked = h.lines.filter((l) => l.event.includes('that is more than the brake allows'));
    expect(braked.map((l) => l.fields)).toEqual([
      { unseen: 30, live: 100, wouldDelete: [1, 2, 3] },
      { unseen: 25, live: 90, wouldDelete: [4] },
    ]);
    expect(braked[0]?.event).toBe(
      'records 2024-01-01..2024-01-31: upstream no longer returns 30 of 100 live rows; that is more than the brake allows (20 rows and 10%), so none were deleted. If they really were deleted upstream, run again with --confirm-deletes',
    );
    expect(h.lines.some((l) => l.event === 'entity synced')).toBe(false);
  });

  it('a failure: failed, the retry state marked and logged, the requests it made counted', async () => {
    const h = harness();
    pipeline.mockImplementation(async () => {
      h.makeRequests(3);
      throw new Error('502 after retries');
    });
    const summary = await h.run();
    expect(summary).toMatchObject({
      status: 'failed',
      error: 'stored: 502 after retries',
      refused: false,
      requests: 3,
    });
    expect(sql.markFailed.mock.calls).toEqual([['the session', 101, 'records', 'stored: 502 after retries']]);
    expect(sql.markSucceeded).not.toHaveBeenCalled();
    expect(sql.finishRunEntity.mock.calls).toEqual([
      [
        'the session',
        7,
        101,
        'records',
        { status: 'failed', requests: 3, withheld: 0, error: 'stored: 502 after retries' },
      ],
    ]);
    expect(h.lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        event: 'entity failed',
        fields: {
          error: 'stored: 502 after retries',
          tries: 1,
          state: 'retry_waiting',
          nextTryAt: new Date('2026-11-23T10:01:00Z'),
        },
        scope: { companyId: 101, entity: 'records' },
      },
    ]);
    expect(h.progress.clear).toHaveBeenCalledTimes(1);
    expect(h.progress.done).toHaveBeenCalledTimes(1);
  });

  it('YClients refusing access: failed and refused (exit 4 when everything was)', async () => {
    pipeline.mockRejectedValue(
      new YclientsAuthError({ method: 'GET', path: '/records/{company_id}', status: 403 }),
    );
    const summary = await harness().run();
    expect(summary).toMatchObject({ status: 'failed', refused: true });
  });

  it('the database gone: thrown on, nothing recorded (no entity can go on)', async () => {
    const h = harness();
    const gone = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    pipeline.mockRejectedValue(gone);
    await expect(h.run()).rejects.toBe(gone);
    expect(sql.markFailed).not.toHaveBeenCalled();
    expect(sql.finishRunEntity).not.toHaveBeenCalled();
    expect(h.progress.done).toHaveBeenCalledTimes(1);
  });
});
