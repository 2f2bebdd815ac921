/**
 * entities/land-page.ts (issue 19): one fetched page into the database and the run summary, and the
 * helpers that keep the order upstream sent the rows in (ordinals count rejected rows too).
 */
import type { QuarantinedRow } from '@yclients-pg/sql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asPage, landPage, lastIdentified, wireIds, wireOrder } from '../src/entities/land-page';
import { db, makeContext, resetDb, sqlFakes } from './pipeline-fakes';

vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...(await import('./pipeline-fakes')).sqlFakes,
}));

const rejected = (id: number | null, index: number): QuarantinedRow => ({
  id,
  index,
  reason: 'bad',
  row: `{"i":${index}}`,
});

beforeEach(() => {
  resetDb();
  sqlFakes.mergePage.mockClear();
});

describe('landPage', () => {
  it('merges the page with its checkpoint and refresh, then counts it', async () => {
    const { ctx, progress, counted } = makeContext({});
    const page = { rows: [{ id: 1 }, { id: 2 }], rejected: [rejected(null, 1)] };
    const checkpoint = { last_id: 2, last_ordinal: 3, page_size: 3, cursor: { mode: 'x' } };
    await landPage(ctx, 'clients', page, { checkpoint, refreshId: 12 });
    expect(sqlFakes.mergePage.mock.calls).toStrictEqual([
      [ctx.db, { entity: 'clients', companyId: 101, runId: 7, page, checkpoint, refreshId: 12 }],
    ]);
    expect(progress.page.mock.calls).toEqual([[3]]);
    expect(counted.mock.calls).toEqual([
      [3, { inserted: 2, updated: 0, unchanged: 0, deleted: 0, quarantined: 1 }, page],
    ]);
  });

  it('without options: no checkpoint and no refresh are passed; a page without rejected rows counts its rows', async () => {
    const { ctx, progress, counted } = makeContext({});
    const page = { rows: [{ id: 1 }, { id: 2 }] };
    db.counts = () => ({ inserted: 0, updated: 1, unchanged: 1, deleted: 0, quarantined: 0 });
    await landPage(ctx, 'staff', page);
    expect(sqlFakes.mergePage.mock.calls).toStrictEqual([
      [ctx.db, { entity: 'staff', companyId: 101, runId: 7, page }],
    ]);
    expect(progress.page.mock.calls).toEqual([[2]]);
    expect(counted.mock.calls).toEqual([
      [2, { inserted: 0, updated: 1, unchanged: 1, deleted: 0, quarantined: 0 }, page],
    ]);
  });

  it('a merge that fails: the error propagates, nothing is counted', async () => {
    const { ctx, progress, counted } = makeContext({});
    const error = new Error('deadlock detected');
    db.failMerge = error;
    await expect(landPage(ctx, 'records', { rows: [{ id: 1 }] })).rejects.toBe(error);
    expect(progress.page).not.toHaveBeenCalled();
    expect(counted).not.toHaveBeenCalled();
  });
});

describe('wire order', () => {
  const page = {
    rows: [{ id: 10 }, { id: 20 }, { id: 30 }],
    rejected: [rejected(null, 0), rejected(25, 2), rejected(null, 5)],
  };

  it('puts rejected rows back at their positions', () => {
    expect(wireOrder(page)).toEqual([
      { rejected: page.rejected[0] },
      { row: { id: 10 } },
      { rejected: page.rejected[1] },
      { row: { id: 20 } },
      { row: { id: 30 } },
      { rejected: page.rejected[2] },
    ]);
    expect(wireOrder({ rows: [{ id: 1 }, { id: 2 }] })).toEqual([{ row: { id: 1 } }, { row: { id: 2 } }]);
    expect(wireOrder({ rows: [] })).toEqual([]);
  });

  it('asPage turns a slice of wire rows back into a page, rejected rows indexed within it', () => {
    const slice = wireOrder(page).slice(2);
    expect(asPage(slice)).toEqual({
      rows: [{ id: 20 }, { id: 30 }],
      rejected: [
        { ...page.rejected[1], index: 0 },
        { ...page.rejected[2], index: 3 },
      ],
    });
    expect(asPage([])).toEqual({ rows: [], rejected: [] });
  });

  it('wireIds: the ids in wire order, null for a rejected row without one', () => {
    expect(wireIds(page)).toEqual([null, 10, 25, 20, 30, null]);
  });

  it('lastIdentified: the last row with an id and its 1-based position', () => {
    expect(lastIdentified(page)).toEqual({ id: 30, position: 5 });
    expect(lastIdentified({ rows: [{ id: 7 }], rejected: [rejected(null, 1)] })).toEqual({
      id: 7,
      position: 1,
    });
    expect(lastIdentified({ rows: [], rejected: [rejected(8, 0), rejected(null, 1)] })).toEqual({
      id: 8,
      position: 1,
    });
    expect(lastIdentified({ rows: [{ id: 0 }] })).toEqual({ id: 0, position: 1 });
    expect(lastIdentified({ rows: [], rejected: [rejected(null, 0)] })).toBeNull();
    expect(lastIdentified({ rows: [] })).toBeNull();
  });
});
