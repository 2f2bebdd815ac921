/**
 * The end of a refresh (entities/refresh.ts), each verdict on its own (issue 19, surviving mutants): the
 * end-to-end suites reach `unproven`, `pending` and `seen_lost` rarely, and see the checkpoint only
 * through whole runs. finish_refresh itself is tested against PostgreSQL in sql/test; here it answers
 * what the test says.
 */
import type { RefreshOutcome, RefreshVerdict } from '@yclients-pg/sql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EntityContext } from '../src/entities/context';
import { endRefresh, report } from '../src/entities/refresh';

const finishRefresh = vi.hoisted(() => vi.fn());
vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  finishRefresh,
}));

const tx = { tx: 'the finishing transaction' };
const guard = { maxRows: 20, maxFraction: 0.1, confirmed: false };

function context() {
  const log = { warn: vi.fn(), info: vi.fn(), debug: vi.fn(), error: vi.fn() };
  const ctx = {
    companyId: 101,
    guard,
    db: { tx: (fn: (t: unknown) => Promise<unknown>) => fn(tx) },
    log,
    removed: vi.fn(),
    withheld: vi.fn(),
  };
  return { ctx: ctx as unknown as EntityContext, log, removed: ctx.removed, withheld: ctx.withheld };
}

const outcome = (verdict: RefreshVerdict): RefreshOutcome => ({
  verdict,
  deleted: verdict === 'deleted' ? 3 : 0,
  unseen: 3,
  live: 40,
  sample: [1000000017, 1000000018, 1000000019],
});

beforeEach(() => {
  finishRefresh.mockReset();
});

describe('endRefresh', () => {
  const closing: Record<RefreshVerdict, boolean> = {
    deleted: true,
    unproven: true,
    withheld: true,
    // closed too: finish_refresh forgot the seen ids, and the next run confirms by a read of its own
    // (left open, the next run resumed past page 1 and found every row unseen: chaos seed 11)
    pending: true,
    suspicious: false,
    seen_lost: false,
  };
  for (const [verdict, closes] of Object.entries(closing) as Array<[RefreshVerdict, boolean]>) {
    it(`${verdict}: ${closes ? 'closes the refresh in the finishing transaction' : 'leaves it open'}`, async () => {
      finishRefresh.mockResolvedValue(outcome(verdict));
      const { ctx } = context();
      const close = vi.fn();
      const result = await endRefresh(ctx, {
        entity: 'clients',
        refreshId: 7,
        scope: 'clients',
        reread: false,
        unidentified: 0,
        close,
      });
      expect(result).toEqual(outcome(verdict));
      expect(close.mock.calls).toEqual(closes ? [[tx, verdict]] : []);
    });
  }

  it('asks finish_refresh about the scope it read, in the same transaction', async () => {
    finishRefresh.mockResolvedValue(outcome('deleted'));
    const { ctx } = context();
    const window = { from: '2024-01-01 00:00:00', to: '2024-02-01 00:00:00', timeZone: 'Europe/Moscow' };
    await endRefresh(ctx, {
      entity: 'transactions',
      refreshId: 9,
      scope: 'transactions 2024-01-01..2024-02-01',
      window,
      reread: true,
      unidentified: 2,
      suspectAny: true,
      close: vi.fn(),
    });
    await endRefresh(ctx, {
      entity: 'staff',
      refreshId: 10,
      scope: 'staff',
      reread: false,
      unidentified: 0,
      suspectAny: false,
      close: vi.fn(),
    });
    expect(finishRefresh.mock.calls).toEqual([
      [
        tx,
        {
          entity: 'transactions',
          companyId: 101,
          refreshId: 9,
          window,
          guard,
          reread: true,
          unidentified: 2,
          suspectAny: true,
        },
      ],
      [tx, { entity: 'staff', companyId: 101, refreshId: 10, guard, reread: false, unidentified: 0 }],
    ]);
  });
});

describe('report', () => {
  it('deleted: the rows go to the run summary, nothing is logged', () => {
    const { ctx, log, removed, withheld } = context();
    report(ctx, 'staff', outcome('deleted'));
    expect(removed.mock.calls).toEqual([[3]]);
    expect(withheld).not.toHaveBeenCalled();
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('withheld: reported with the first ids it would have deleted', () => {
    const { ctx, log, removed, withheld } = context();
    report(ctx, 'records 2024-01-01..2024-01-31', outcome('withheld'));
    expect(withheld.mock.calls).toEqual([
      ['records 2024-01-01..2024-01-31', 3, 40, [1000000017, 1000000018, 1000000019]],
    ]);
    expect(removed).not.toHaveBeenCalled();
    expect(log.warn).not.toHaveBeenCalled();
  });

  const warned: Array<[RefreshVerdict, RegExp, Record<string, unknown> | undefined]> = [
    [
      'pending',
      /^staff: upstream no longer returns 3 of 40 live rows, twice in this run; .*next run/,
      { unseen: 3, live: 40, pending: [1000000017, 1000000018, 1000000019] },
    ],
    [
      'unproven',
      /^staff: upstream did not return 3 stored rows, .*quarantined.*nothing was deleted/,
      { unseen: 3, live: 40 },
    ],
    [
      'suspicious',
      /^staff: the answer would remove 3 of 40 live rows; reading it again/,
      { unseen: 3, live: 40 },
    ],
    [
      'seen_lost',
      /^staff: the ids seen before the interruption were lost.*reading the scope again/,
      undefined,
    ],
  ];
  for (const [verdict, message, fields] of warned) {
    it(`${verdict}: a warning that says so, nothing deleted or withheld`, () => {
      const { ctx, log, removed, withheld } = context();
      report(ctx, 'staff', outcome(verdict));
      expect(log.warn).toHaveBeenCalledTimes(1);
      const [text, data] = log.warn.mock.calls[0]!;
      expect(text).toMatch(message);
      expect(data).toEqual(fields);
      expect(removed).not.toHaveBeenCalled();
      expect(withheld).not.toHaveBeenCalled();
    });
  }
});
