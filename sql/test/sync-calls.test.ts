/**
 * The package's typed calls against a real, migrated PostgreSQL: the company locks, the run log, the
 * retry state machine and the merge calls (one statement per page, catalogs reconciled in the same
 * statement, rows the database refuses quarantined).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockedCompanies, tryLockCompanies, unlockCompanies } from '../src/company-locks';
import { connectDatabase } from '../src/connect';
import { mergePage } from '../src/merge';
import { finishRefresh, mergeAndFinish, seenCount } from '../src/refresh';
import { abandonDeadRuns, closeRun, openRun } from '../src/run-log';
import { markFailed, markInProgress, markSucceeded, readState, writeCheckpoint } from '../src/sync-state';
import { createMigratedTestDatabase, type TestDatabase } from './database';

let database: TestDatabase;
let db: ReturnType<typeof connectDatabase>;

beforeAll(async () => {
  database = await createMigratedTestDatabase();
  db = connectDatabase(database.url, { poolSize: 4 });
});
afterAll(async () => {
  await db.dispose();
  await database.drop();
});

const position = (id: number, title: string) => ({ id, title, raw: { id, title } });

describe('company locks', () => {
  it('a second session cannot take a held company, and takes none of the others either', async () => {
    await db.task(async (first) => {
      expect(await tryLockCompanies(first, [1, 2])).toEqual([]);
      expect((await lockedCompanies(db)).sort()).toEqual([1, 2]);
      await db.task(async (second) => {
        expect(await tryLockCompanies(second, [2, 3])).toEqual([2]);
        // 3 was released again because 2 was held
        expect((await lockedCompanies(db)).sort()).toEqual([1, 2]);
      });
      await unlockCompanies(first, [1, 2]);
    });
    expect(await lockedCompanies(db)).toEqual([]);
  });
});

describe('run log', () => {
  it('marks runs left running for the same companies as abandoned, and only those', async () => {
    const dead = await openRun(db, { companyIds: [10] });
    const other = await openRun(db, { companyIds: [20] });
    const current = await openRun(db, { companyIds: [10, 11] });
    expect(await abandonDeadRuns(db, current, [10, 11])).toBe(1);
    const rows = await db.query(
      db.sql`select id, status from yclients_sync.sync_runs where id = any(${[dead, other, current]}) order by id`,
    );
    expect(rows.map((r) => r.status)).toEqual(['abandoned', 'running', 'running']);
    await closeRun(db, current, 'succeeded');
    await closeRun(db, other, 'partial', 'records@20: boom');
  });
});

describe('retry state machine', () => {
  it('waits longer after each failure, ends in error after three tries, and resets on success', async () => {
    await markInProgress(db, 5, 'records');
    // the wait after each failure, exactly: next_try_at and updated_at are set by one statement
    const wait = async () =>
      Number(
        (
          await db.query(db.sql`
            select extract(epoch from next_try_at - updated_at) as s from yclients_sync.sync_state
            where company_id = 5 and entity = 'records'`)
        )[0]?.s,
      );
    const first = await markFailed(db, 5, 'records', 'HTTP 502');
    expect(first).toMatchObject({ status: 'retry_waiting', tryCount: 1 });
    expect(await wait()).toBe(60);
    const second = await markFailed(db, 5, 'records', 'HTTP 502');
    expect(second).toMatchObject({ status: 'retry_waiting', tryCount: 2 });
    expect(await wait()).toBe(300);
    const third = await markFailed(db, 5, 'records', 'HTTP 502');
    expect(third).toMatchObject({ status: 'error', tryCount: 3 });
    expect(await wait()).toBe(900);
    await markFailed(db, 5, 'records', 'HTTP 502'); // in error, tried every 15 minutes
    expect(await wait()).toBe(900);
    await markSucceeded(db, 5, 'records');
    expect(await readState(db, 5, 'records')).toMatchObject({
      status: 'succeeded',
      tryCount: 0,
      lastError: null,
      nextTryAt: null,
    });
  });
});

describe('checkpoints without a page', () => {
  it('write only the keys given and count no page', async () => {
    const runId = await openRun(db, { companyIds: [9] });
    await mergePage(db, {
      entity: 'positions',
      companyId: 9,
      runId,
      page: { rows: [position(1, 'Мастер')] },
      checkpoint: { last_id: 1, last_ordinal: 1, page_size: 1, cursor: { a: 1 } },
    });
    await writeCheckpoint(db, 9, 'positions', { cursor: { b: 2 } });
    expect(await readState(db, 9, 'positions')).toMatchObject({
      lastId: 1,
      lastOrdinal: 1,
      pageSize: 1,
      cursor: { b: 2 },
    });
    const [entity] = await db.query(
      db.sql`select pages from yclients_sync.sync_run_entities where run_id = ${runId} and entity = 'positions'`,
    );
    expect(entity?.pages).toBe(1);
  });
});

describe('merge calls', () => {
  it('lands a page with its checkpoint in one statement, and reconciles a catalog in the same statement', async () => {
    const runId = await openRun(db, { companyIds: [7] });
    const guard = { maxRows: 20, maxFraction: 0.1, confirmed: false };
    const first = await mergeAndFinish(db, {
      entity: 'positions',
      companyId: 7,
      runId,
      refreshId: runId,
      page: { rows: [position(1, 'Мастер'), position(2, 'Администратор')] },
      checkpoint: { last_id: 2, last_ordinal: 2, page_size: 2, cursor: null },
      guard,
      reread: false,
    });
    expect(first).toEqual({
      counts: { inserted: 2, updated: 0, unchanged: 0, deleted: 0, quarantined: 0 },
      outcome: { verdict: 'deleted', deleted: 0, unseen: 0, live: 2, sample: [] },
    });
    expect(await readState(db, 7, 'positions')).toMatchObject({ lastId: 2, lastOrdinal: 2 });

    // half the catalog gone: read again before believing it, then believed only when the next run
    // (refresh runId + 2) sees the same (1 row is no mass delete)
    const again = (reread: boolean, refreshId = runId + 1) =>
      mergeAndFinish(db, {
        entity: 'positions',
        companyId: 7,
        runId,
        refreshId,
        page: { rows: [position(1, 'Мастер')] },
        guard,
        reread,
      });
    expect((await again(false)).outcome).toMatchObject({ verdict: 'suspicious', deleted: 0, unseen: 1 });
    expect((await again(true)).outcome).toMatchObject({ verdict: 'pending', deleted: 0, unseen: 1 });
    expect(await again(true, runId + 2)).toEqual({
      counts: { inserted: 0, updated: 0, unchanged: 1, deleted: 0, quarantined: 0 },
      outcome: { verdict: 'deleted', deleted: 1, unseen: 1, live: 2, sample: [] },
    });
    const rows = await db.query(
      db.sql`select id, deleted_at is not null as gone from yclients.positions where company_id = 7 order by id`,
    );
    expect(rows).toEqual([
      { id: 1, gone: false },
      { id: 2, gone: true },
    ]);
  });

  it('counts seen ids of a refresh and soft-deletes only inside a company-local window', async () => {
    const runId = await openRun(db, { companyIds: [8] });
    const record = (id: number, datetime: string) => ({
      id,
      datetime,
      services: [],
      staff: null,
      staff_id: null,
      client: null,
      client_id: null,
      deleted: false,
      raw: { id },
    });
    await mergePage(db, {
      entity: 'records',
      companyId: 8,
      runId,
      page: {
        rows: [
          record(1, '2026-01-10T10:00:00+03:00'),
          record(2, '2026-01-20T10:00:00+03:00'),
          record(3, '2026-02-10T10:00:00+03:00'),
        ],
      },
    });
    const refreshId = runId * 1000;
    await mergePage(db, {
      entity: 'records',
      companyId: 8,
      runId,
      refreshId,
      page: { rows: [record(1, '2026-01-10T10:00:00+03:00')] },
    });
    expect(await seenCount(db, { entity: 'records', companyId: 8, refreshId })).toBe(1);
    const deleted = await finishRefresh(db, {
      entity: 'records',
      companyId: 8,
      refreshId,
      window: { from: '2026-01-01 00:00:00', to: '2026-02-01 00:00:00', timeZone: 'Europe/Moscow' },
      guard: { maxRows: 20, maxFraction: 0.1, confirmed: true }, // the window, not the guards, is tested here
      reread: true,
      unidentified: 0,
    });
    // record 2; record 3 is outside the window
    expect(deleted).toEqual({ verdict: 'deleted', deleted: 1, unseen: 1, live: 2, sample: [] });
    const live = await db.query(
      db.sql`select id from yclients.records where company_id = 8 and deleted_at is null order by id`,
    );
    expect(live.map((r) => r.id)).toEqual([1, 3]);
  });
});

describe('rows the database refuses', () => {
  const record = (id: number, over: Record<string, unknown> = {}) => ({
    id,
    datetime: '2026-01-10T10:00:00+03:00',
    services: [],
    staff: null,
    staff_id: null,
    client: null,
    client_id: null,
    deleted: false,
    raw: { id },
    ...over,
  });
  // February 31st passes the timestamp pattern and fails the cast: SQLSTATE 22008
  const page = () => ({
    rows: [record(1), record(2, { create_date: '2026-02-31T10:00:00+03:00' }), record(3), record(4)],
    rejected: [{ id: null, index: 1, reason: 'not an object (null)', row: 'null' }],
  });

  it('are quarantined while the rest of the page lands with its checkpoint', async () => {
    const runId = await openRun(db, { companyIds: [12] });
    await markInProgress(db, 12, 'records');
    const counts = await mergePage(db, {
      entity: 'records',
      companyId: 12,
      runId,
      refreshId: 77,
      page: page(),
      checkpoint: { cursor: { page: 2 } },
    });
    expect(counts).toEqual({ inserted: 3, updated: 0, unchanged: 0, deleted: 0, quarantined: 2 });
    const quarantined = await db.query(
      db.sql`select upstream_id, reason from yclients_sync.quarantine where company_id = 12 order by row_key`,
    );
    expect(quarantined).toEqual([
      {
        upstream_id: 2,
        reason: expect.stringMatching(/^records 2: the database cannot store it \(.*out of range/),
      },
      { upstream_id: null, reason: 'not an object (null)' },
    ]);
    expect(await readState(db, 12, 'records')).toMatchObject({ cursor: { page: 2 } });
    // the refused row counts as seen: upstream has it
    expect(await seenCount(db, { entity: 'records', companyId: 12, refreshId: 77 })).toBe(4);
  });

  it('inside a transaction (a dry run) too, without aborting it', async () => {
    const runId = await openRun(db, { companyIds: [13] });
    await db.tx(async (tx) => {
      const counts = await mergePage(tx, { entity: 'records', companyId: 13, runId, page: page() });
      expect(counts).toMatchObject({ inserted: 3, quarantined: 2 });
      const [live] = await tx.query(
        tx.sql`select count(*)::int as n from yclients.records where company_id = 13`,
      );
      expect(live?.n).toBe(3);
    });
  });
});
