/**
 * The small catalogs (entities/catalogs.ts: positions, staff, service categories, services, client
 * categories, accounts) against a fake SDK client and a fake database (issue 19): one unpaged request,
 * landed and reconciled in one call (land_list, faked in pipeline-fakes.ts), read once more when the
 * answer looks suspicious, and every error passed on.
 */
import { YclientsError } from '@yclients-pg/sdk';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  accounts,
  clientCategories,
  positions,
  serviceCategories,
  services,
  staff,
} from '../src/entities/catalogs';
import type { EntityPipeline } from '../src/entities/context';
import {
  db,
  events,
  GUARD,
  liveSet,
  makeContext,
  pageOf,
  resetDb,
  sqlFakes,
  type WireRow,
} from './pipeline-fakes';

vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...(await import('./pipeline-fakes')).sqlFakes,
}));

const METHODS = ['positions', 'staff', 'serviceCategories', 'services', 'clientLabels', 'accounts'] as const;
type Method = (typeof METHODS)[number];

/** A fake client whose catalog methods answer the lists a test sets, one answer per call. */
function client(answers: Partial<Record<Method, Array<WireRow[] | Error>>>) {
  const yc: Record<string, ReturnType<typeof vi.fn>> = {};
  for (const method of METHODS) {
    yc[method] = vi.fn(async (_companyId: number) => {
      const next = answers[method]?.shift();
      if (next === undefined) throw new Error(`${method}: no answer left`);
      if (next instanceof Error) throw next;
      return { ...pageOf(next), repairs: { nulDropped: 0, surrogatesReplaced: 0 } };
    });
  }
  return yc;
}

const CATALOGS: Array<[string, EntityPipeline, string, Method]> = [
  ['positions', positions, 'positions', 'positions'],
  ['staff', staff, 'staff', 'staff'],
  ['serviceCategories', serviceCategories, 'service_categories', 'serviceCategories'],
  ['services', services, 'services', 'services'],
  ['clientCategories', clientCategories, 'client_categories', 'clientLabels'],
  ['accounts', accounts, 'accounts', 'accounts'],
];

const landLists = () => events('landList');

beforeEach(() => {
  resetDb();
  sqlFakes.mergeAndFinish.mockClear();
});

describe('catalogs', () => {
  for (const [name, pipeline, entity, method] of CATALOGS) {
    it(`${name}: ${method}() once, landed and reconciled as ${entity} in one call`, async () => {
      const yc = client({ [method]: [[11, 12, { rejected: 13 }, 14]] });
      liveSet(entity).add(99);
      const { ctx, progress, counted, removed, lines } = makeContext(yc);
      await pipeline(ctx);
      expect(yc[method]!.mock.calls).toEqual([[101]]);
      for (const other of METHODS.filter((m) => m !== method)) expect(yc[other]).not.toHaveBeenCalled();
      const page = {
        ...pageOf([11, 12, { rejected: 13 }, 14]),
        repairs: { nulDropped: 0, surrogatesReplaced: 0 },
      };
      expect(sqlFakes.mergeAndFinish.mock.calls).toEqual([
        [
          ctx.db,
          {
            entity,
            companyId: 101,
            runId: 7,
            page,
            refreshId: 7,
            checkpoint: { last_id: 14, last_ordinal: 4, page_size: 4, cursor: null },
            guard: GUARD,
            reread: false,
          },
        ],
      ]);
      expect(progress.start.mock.calls).toEqual([[entity]]);
      expect(progress.page.mock.calls).toEqual([[4]]);
      expect(counted.mock.calls).toEqual([
        [4, { inserted: 3, updated: 0, unchanged: 0, deleted: 0, quarantined: 1 }, page],
      ]);
      expect(removed.mock.calls).toEqual([[1]]); // 99: stored, gone upstream
      expect(lines).toEqual([]);
    });
  }

  it('an empty answer: no last id, ordinal and page size 0', async () => {
    const yc = client({ staff: [[]] });
    await staff(makeContext(yc).ctx);
    expect(landLists().map((l) => l.args.checkpoint)).toEqual([
      { last_id: null, last_ordinal: 0, page_size: 0, cursor: null },
    ]);
  });

  it('a last row rejected: the last id is the last row that could be read', async () => {
    const yc = client({ services: [[5, 6, { rejected: 7 }]] });
    await services(makeContext(yc).ctx);
    expect(landLists()[0]!.args.checkpoint).toEqual({
      last_id: 6,
      last_ordinal: 3,
      page_size: 3,
      cursor: null,
    });
  });

  it('suspicious: fetched again and landed as a re-read under the same refresh; then believed', async () => {
    const yc = client({ accounts: [[1], [1, 2]] });
    for (const id of [2, 3]) liveSet('accounts').add(id);
    db.verdicts = ['suspicious', 'deleted'];
    const { ctx, lines, progress, counted, removed } = makeContext(yc);
    await accounts(ctx);
    expect(yc.accounts!.mock.calls).toEqual([[101], [101]]);
    expect(landLists().map((l) => [l.args.reread, l.args.refreshId, l.verdict])).toEqual([
      [false, 7, 'suspicious'],
      [true, 7, 'deleted'],
    ]);
    expect(lines.map((l) => l.event)).toEqual([
      'accounts: the answer would remove 2 of 3 live rows; reading it again before believing it',
    ]);
    expect(removed.mock.calls).toEqual([[1]]); // 3; 2 came back in the second answer
    expect(progress.page.mock.calls).toEqual([[1], [2]]);
    expect(counted.mock.calls.map(([rows]) => rows)).toEqual([1, 2]);
  });

  it('suspicious twice: not fetched a third time', async () => {
    const yc = client({ positions: [[1], [1], [1]] });
    db.verdicts = ['suspicious', 'suspicious'];
    await positions(makeContext(yc).ctx);
    expect(yc.positions!.mock.calls.length).toBe(2);
    expect(landLists().map((l) => l.args.reread)).toEqual([false, true]);
  });

  for (const verdict of ['withheld', 'pending', 'unproven', 'seen_lost'] as const) {
    it(`${verdict}: reported, not fetched again`, async () => {
      const yc = client({ staff: [[1, 2]] });
      liveSet('staff').add(3);
      db.verdicts = [verdict];
      const { ctx, withheld, removed, lines } = makeContext(yc);
      await staff(ctx);
      expect(yc.staff!.mock.calls.length).toBe(1);
      expect(removed).not.toHaveBeenCalled();
      if (verdict === 'withheld') {
        expect(withheld.mock.calls).toEqual([['staff', 1, 3, [3]]]);
        expect(lines).toEqual([]);
      } else {
        expect(withheld).not.toHaveBeenCalled();
        expect(lines.map((l) => l.level)).toEqual(['warn']);
      }
    });
  }
});

describe('catalogs: errors propagate', () => {
  it('an upstream error: nothing landed', async () => {
    const error = new YclientsError('network', 'staff: connection reset');
    const yc = client({ staff: [error] });
    const { ctx, counted } = makeContext(yc);
    await expect(staff(ctx)).rejects.toBe(error);
    expect(sqlFakes.mergeAndFinish).not.toHaveBeenCalled();
    expect(counted).not.toHaveBeenCalled();
  });

  it('an upstream error on the re-read', async () => {
    const error = new YclientsError('network', 'the second answer');
    const yc = client({ services: [[1], error] });
    db.verdicts = ['suspicious'];
    await expect(services(makeContext(yc).ctx)).rejects.toBe(error);
    expect(landLists().length).toBe(1);
  });

  it('a database error: nothing counted', async () => {
    const error = new Error('connection terminated');
    db.failMerge = error;
    const yc = client({ accounts: [[1, 2]] });
    const { ctx, counted, progress } = makeContext(yc);
    await expect(accounts(ctx)).rejects.toBe(error);
    expect(counted).not.toHaveBeenCalled();
    expect(progress.page).not.toHaveBeenCalled();
  });
});
