/**
 * The transactions pipeline (entities/transactions.ts) against a fake upstream list and a fake database
 * (issue 19): the first history read, the rolling window of later runs, the end-of-list recheck (a list
 * with no total ends only at an empty page, which a bad answer can fake), resuming an interrupted read,
 * and the verdicts of finish_refresh, `pending` deletes included. The SDK's page iteration is the real
 * one; the SQL functions are fakes (pipeline-fakes.ts).
 */
import { YclientsError } from '@yclients-pg/sdk';
import type { EntityState } from '@yclients-pg/sql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EntityContext } from '../src/entities/context';
import { transactions } from '../src/entities/transactions';
import { IncompleteReadError } from '../src/errors';
import {
  db,
  events,
  GUARD,
  liveSet,
  makeContext,
  pageOf,
  range,
  requests,
  resetDb,
  stateOf,
  type WireRow,
} from './pipeline-fakes';

vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...(await import('./pipeline-fakes')).sqlFakes,
}));

// the run starts 2026-11-23T10:00:00Z, 13:00 in Moscow: today is 2026-11-23, a read ends before the 24th
const TO = '2026-11-24';
const HISTORY = '2000-01-01';
/** the window of a later run: YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS = 30 days back from today */
const FROM = '2026-10-24';

type Params = { page: number; count: number; startDate: string; endDate: string };

/** A fake `GET /transactions/{company_id}`: pages of `list` (no total), or an answer a test sets. */
function upstream(initial: WireRow[]) {
  const u = {
    list: [...initial],
    answer: undefined as ((params: Params, n: number) => WireRow[] | undefined) | undefined,
    n: 0,
    transactionsPage: vi.fn(async (_companyId: number, params: Params) => {
      const n = ++u.n;
      db.events.push({ op: 'request', list: 'transactions', params: { ...params } });
      const wire =
        u.answer?.(params, n) ?? u.list.slice((params.page - 1) * params.count, params.page * params.count);
      return { page: params.page, ...pageOf(wire), repairs: { nulDropped: 0, surrogatesReplaced: 0 } };
    }),
  };
  return u;
}

function trace(): string[] {
  return db.events.map((e) => {
    switch (e.op) {
      case 'request':
        return `GET ${e.params.page}`;
      case 'land':
        return `land ${e.ids.length}`;
      case 'checkpoint':
        return e.inTx ? 'close' : 'checkpoint';
      case 'seenCount':
        return `seen ${e.n}`;
      case 'finish':
        return `finish ${e.verdict}`;
      default:
        return e.op;
    }
  });
}

const state = (cursor: Record<string, unknown> | null): EntityState => ({
  lastId: null,
  lastOrdinal: null,
  pageSize: 200,
  cursor,
  status: 'succeeded',
  tryCount: 0,
  nextTryAt: null,
  lastError: null,
});
/** what a closed read leaves: the next run reads the window */
const closed = state({ loaded: true, lastWindow: { from: '2026-10-23', to: '2026-11-23' } });
/** an interrupted read of the window, at page 3, under the refresh of run 5 */
const interrupted = (over: Record<string, unknown> = {}) =>
  state({
    mode: 'window',
    from: '2026-10-20',
    to: '2026-11-20',
    page: 3,
    refreshId: 5,
    loaded: true,
    anonymous: 0,
    ...over,
  });

function run(u: ReturnType<typeof upstream>, over: Partial<EntityContext> = {}, lookback = 30) {
  const h = makeContext(u, over, { transactionsLookbackDays: lookback });
  return { ...h, done: transactions(h.ctx) };
}

const finishes = () => events('finish');
const lands = () => events('land');
const closes = () =>
  events('checkpoint')
    .filter((c) => c.inTx)
    .map((c) => c.checkpoint);

beforeEach(() => {
  resetDb();
});

describe('transactions: the first run reads the whole history', () => {
  it('from 2000-01-01 to tomorrow, until an empty page; the short last page is asked again', async () => {
    const u = upstream(range(1, 450));
    for (const id of [9001]) liveSet('transactions').add(id);
    const { done, progress, removed, counted, lines } = run(u);
    await done;
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'GET 2',
      'land 200',
      'GET 3',
      'land 200',
      'GET 4',
      'land 50',
      'GET 3', // the recheck: page 3 was short, a bad answer may have cut it
      'finish deleted',
      'close',
    ]);
    expect(requests()).toEqual(
      [1, 2, 3, 4, 3].map((page) => ({ page, count: 200, startDate: HISTORY, endDate: TO })),
    );
    expect(u.transactionsPage.mock.calls.map(([company]) => company)).toEqual([101, 101, 101, 101, 101]);
    const cursor = { mode: 'history', from: HISTORY, to: TO, page: 1, refreshId: 7, loaded: false };
    expect(events('checkpoint')[0]).toEqual({
      op: 'checkpoint',
      entity: 'transactions',
      companyId: 101,
      inTx: false,
      checkpoint: { page_size: 200, cursor },
    });
    expect(lands().map((l) => [l.entity, l.refreshId, l.runId, l.companyId, l.checkpoint])).toEqual(
      [
        [200, 2],
        [400, 3],
        [450, 4],
      ].map(([lastId, next]) => [
        'transactions',
        7,
        7,
        101,
        { last_id: lastId, page_size: 200, cursor: { ...cursor, page: next, anonymous: 0 } },
      ]),
    );
    expect(finishes().map((f) => [f.args, f.seen.length, f.deleted])).toEqual([
      [
        {
          entity: 'transactions',
          companyId: 101,
          refreshId: 7,
          guard: GUARD,
          reread: false,
          unidentified: 0,
          suspectAny: true,
        },
        450,
        [9001],
      ],
    ]);
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: HISTORY, to: TO } } },
    ]);
    expect(removed.mock.calls).toEqual([[1]]);
    expect(progress.start.mock.calls).toEqual([['transactions (history)']]);
    expect(progress.page.mock.calls).toEqual([[200], [200], [50]]);
    expect(counted.mock.calls.map(([rows]) => rows)).toEqual([200, 200, 50]);
    expect(lines).toEqual([]);
  });

  it('a last page cut short by a bad answer: the recheck lands the rows it missed', async () => {
    const u = upstream(range(1, 450));
    u.answer = (_p, n) => (n === 3 ? range(401, 430) : undefined);
    await run(u).done;
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'GET 2',
      'land 200',
      'GET 3',
      'land 200',
      'GET 4',
      'land 30',
      'GET 3',
      'land 50',
      'finish deleted',
      'close',
    ]);
    expect(finishes()[0]!.seen).toEqual(range(1, 450));
  });

  it('an empty page faked mid-history: asked again, and the read goes on', async () => {
    const u = upstream(range(1, 600));
    u.answer = (_p, n) => (n === 3 ? [] : undefined);
    await run(u).done;
    expect(requests().map((p) => p.page)).toEqual([1, 2, 3, 3, 4, 4]);
    expect(lands().map((l) => l.ids.length)).toEqual([200, 200, 200]);
    expect(finishes()[0]!.seen).toEqual(range(1, 600));
  });

  it('the empty page that ends the read is not landed', async () => {
    const u = upstream(range(1, 200));
    await run(u).done;
    expect(trace()).toEqual(['checkpoint', 'GET 1', 'GET 2', 'land 200', 'GET 2', 'finish deleted', 'close']);
  });

  it('an empty history is believed for the deletes, not for good: the next run reads the history again', async () => {
    const u = upstream([]);
    liveSet('transactions').add(3);
    const { done, progress } = run(u);
    await done;
    expect(trace()).toEqual(['checkpoint', 'GET 1', 'GET 1', 'finish deleted', 'close']);
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: false, lastWindow: { from: HISTORY, to: TO } } },
    ]);
    expect(progress.page.mock.calls).toEqual([]);
    const next = stateOf('transactions');
    resetDb();
    await run(upstream(range(1, 3)), { runId: 8, state: next }).done;
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: HISTORY, endDate: TO });
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: HISTORY, to: TO } } },
    ]);
  });

  it('a page with as many rejected rows as rows that could be read is landed like any other', async () => {
    const u = upstream([1, { rejected: null }, 2, { rejected: 3 }]);
    await run(u).done;
    expect(lands().map((l) => l.ids)).toEqual([[1, 2, null, 3]]);
    expect(finishes()[0]!.seen).toEqual([1, 2, 3]);
    expect(closes()[0]!.cursor).toEqual({ loaded: true, lastWindow: { from: HISTORY, to: TO } });
  });

  it('a history of rows all rejected is still a history', async () => {
    const u = upstream([{ rejected: null }, { rejected: 12 }]);
    await run(u).done;
    expect(closes()[0]!.cursor).toEqual({ loaded: true, lastWindow: { from: HISTORY, to: TO } });
    expect(lands()[0]!.checkpoint).toMatchObject({ last_id: null, cursor: { anonymous: 1, page: 2 } });
    expect(finishes()[0]!.args.unidentified).toBe(1);
  });
});

describe('transactions: later runs read a rolling window', () => {
  it('the last YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS days to tomorrow, reconciled inside the window', async () => {
    const u = upstream(range(1, 5));
    const { done, progress } = run(u, { state: closed });
    await done;
    expect(requests()).toEqual([1, 2, 1].map((page) => ({ page, count: 200, startDate: FROM, endDate: TO })));
    expect(events('checkpoint')[0]!.checkpoint).toEqual({
      page_size: 200,
      cursor: { mode: 'window', from: FROM, to: TO, page: 1, refreshId: 7, loaded: true },
    });
    expect(finishes()[0]!.args).toEqual({
      entity: 'transactions',
      companyId: 101,
      refreshId: 7,
      window: { from: `${FROM} 00:00:00`, to: `${TO} 00:00:00`, timeZone: 'Europe/Moscow' },
      guard: GUARD,
      reread: false,
      unidentified: 0,
      suspectAny: true,
    });
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: FROM, to: TO } } },
    ]);
    expect(progress.start.mock.calls).toEqual([[`transactions (since ${FROM})`]]);
  });

  it('the lookback is the configured number of days', async () => {
    await run(upstream([]), { state: closed }, 7).done;
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: '2026-11-16', endDate: TO });
  });

  it('an empty window keeps the history loaded', async () => {
    await run(upstream([]), { state: closed }).done;
    expect(closes()[0]!.cursor).toEqual({ loaded: true, lastWindow: { from: FROM, to: TO } });
  });

  it('--full reads the history again, and the history stays loaded', async () => {
    const u = upstream(range(1, 5));
    await run(u, { state: closed, full: true }).done;
    expect(events('checkpoint')[0]!.checkpoint.cursor).toEqual({
      mode: 'history',
      from: HISTORY,
      to: TO,
      page: 1,
      refreshId: 7,
      loaded: true,
    });
    expect(finishes()[0]!.args.window).toBeUndefined();
    expect(Object.keys(finishes()[0]!.args)).not.toContain('window');
  });

  it('--full answered empty does not unload a history loaded before: the next run reads the window', async () => {
    await run(upstream([]), { state: closed, full: true }).done;
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: HISTORY, endDate: TO });
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: HISTORY, to: TO } } },
    ]);
    const next = stateOf('transactions');
    resetDb();
    await run(upstream([]), { runId: 8, state: next }).done;
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: FROM, endDate: TO });
  });

  it('--full over an interrupted read starts afresh under this run', async () => {
    const { done, lines } = run(upstream(range(1, 5)), { state: interrupted(), full: true });
    await done;
    expect(lines).toEqual([]);
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: HISTORY, endDate: TO });
    expect(finishes()[0]!.args.refreshId).toBe(7);
  });
});

describe('transactions: an interrupted read resumes', () => {
  it('at its next page, in its window, under its refresh', async () => {
    const u = upstream(range(1, 450));
    db.seen.set('transactions:5', new Set(range(1, 400)));
    const { done, lines, progress } = run(u, { state: interrupted() });
    await done;
    expect(lines).toEqual([
      { level: 'info', event: 'transactions: resuming an interrupted read', fields: { page: 3 } },
    ]);
    expect(trace()).toEqual([
      'seenLost',
      'seen 400',
      'GET 3',
      'GET 4',
      'land 50',
      'GET 3',
      'finish deleted',
      'close',
    ]);
    expect(requests()[0]).toEqual({ page: 3, count: 200, startDate: '2026-10-20', endDate: '2026-11-20' });
    expect(events('seenLost')).toEqual([{ op: 'seenLost', entity: 'transactions', refreshId: 5 }]);
    expect(finishes().map((f) => [f.args.refreshId, f.args.window, f.seen.length])).toEqual([
      [5, { from: '2026-10-20 00:00:00', to: '2026-11-20 00:00:00', timeZone: 'Europe/Moscow' }, 450],
    ]);
    expect(progress.start.mock.calls).toEqual([['transactions (since 2026-10-20)']]);
  });

  it('killed before its first page landed: from page 1, nothing to check', async () => {
    const u = upstream(range(1, 5));
    const { done } = run(u, { state: interrupted({ page: 1 }) });
    await done;
    expect(trace()).toEqual(['GET 1', 'GET 2', 'land 5', 'GET 1', 'finish deleted', 'close']);
    expect(finishes()[0]!.args.refreshId).toBe(5);
  });

  it('a re-read resumed is still a re-read', async () => {
    const u = upstream(range(1, 450));
    db.seen.set('transactions:5', new Set(range(1, 400)));
    await run(u, { state: interrupted({ reread: true }) }).done;
    expect(finishes()[0]!.args.reread).toBe(true);
  });

  it('the rows rejected before the interruption are still unidentified', async () => {
    const u = upstream(range(1, 450));
    db.seen.set('transactions:5', new Set(range(1, 400)));
    await run(u, { state: interrupted({ anonymous: 2 }) }).done;
    expect(finishes()[0]!.args.unidentified).toBe(2);
  });

  const blind: Array<[string, () => void, string[]]> = [
    [
      'the seen set shorter than counted',
      () => {
        db.seen.set('transactions:5', new Set(range(1, 100)));
        db.seenLost.push(true);
      },
      ['seenLost', 'forget'],
    ],
    ['an empty seen set although the pages read had ids', () => {}, ['seenLost', 'seen 0', 'forget']],
  ];
  for (const [why, arrange, checks] of blind) {
    it(`cannot vouch for its pages (${why}): forgotten and read again from page 1 as a first read`, async () => {
      const u = upstream(range(1, 450));
      arrange();
      const { done, lines } = run(u, { state: interrupted({ reread: true, anonymous: 0 }) });
      await done;
      expect(lines.map((l) => [l.level, l.event])).toEqual([
        ['info', 'transactions: resuming an interrupted read'],
        [
          'warn',
          'transactions: the ids seen before the interruption were lost (a database crash or failover?); reading the window again from page 1',
        ],
      ]);
      expect(trace().slice(0, checks.length + 1)).toEqual([...checks, 'GET 1']);
      expect(lands()[0]!.checkpoint?.cursor).toEqual({
        mode: 'window',
        from: '2026-10-20',
        to: '2026-11-20',
        page: 2,
        refreshId: 5,
        loaded: true,
        anonymous: 0,
        reread: false,
      });
      expect(finishes().map((f) => [f.args.reread, f.args.unidentified, f.seen.length])).toEqual([
        [false, 0, 450],
      ]);
    });
  }

  it('an empty seen set is no loss when every row read before had no id', async () => {
    const u = upstream(range(1, 450));
    const { done, lines } = run(u, { state: interrupted({ anonymous: 3 }) });
    await done;
    expect(lines.length).toBe(1);
    expect(trace().slice(0, 2)).toEqual(['seenLost', 'GET 3']);
  });

  const missing = ['page', 'refreshId', 'from', 'to', 'mode'];
  for (const key of missing) {
    it(`a cursor without ${key} is no read to resume: the window is read afresh under this run`, async () => {
      const cursor = { ...interrupted().cursor };
      delete cursor[key];
      const { done, lines } = run(upstream(range(1, 5)), { state: state(cursor) });
      await done;
      expect(lines).toEqual([]);
      expect(trace()[0]).toBe('checkpoint');
      expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: FROM, endDate: TO });
      expect(finishes()[0]!.args.refreshId).toBe(7);
    });
  }

  it('a resumed window read found empty marks the history loaded even if its cursor says otherwise', async () => {
    await run(upstream([]), { state: interrupted({ page: 1, loaded: false }) }).done;
    expect(requests()[0]).toEqual({ page: 1, count: 200, startDate: '2026-10-20', endDate: '2026-11-20' });
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: '2026-10-20', to: '2026-11-20' } } },
    ]);
  });

  it('a resumed window read marks the history loaded even if its cursor says otherwise', async () => {
    const u = upstream(range(1, 450));
    db.seen.set('transactions:5', new Set(range(1, 400)));
    await run(u, { state: interrupted({ loaded: false }) }).done;
    expect(closes()[0]!.cursor).toEqual({
      loaded: true,
      lastWindow: { from: '2026-10-20', to: '2026-11-20' },
    });
  });
});

describe("transactions: finish_refresh's verdicts", () => {
  it('suspicious: the window is read again from page 1 as a re-read, under the same refresh', async () => {
    const u = upstream([...range(1, 3), { rejected: null }]);
    db.verdicts = ['suspicious'];
    await run(u, { state: closed }).done;
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'GET 2',
      'land 4',
      'GET 1',
      'finish suspicious',
      'GET 1',
      'GET 2',
      'land 4',
      'GET 1',
      'finish deleted',
      'close',
    ]);
    expect(finishes().map((f) => [f.args.refreshId, f.args.reread, f.args.unidentified])).toEqual([
      [7, false, 1],
      [7, true, 1],
    ]);
    expect(lands()[1]!.checkpoint?.cursor).toMatchObject({ page: 2, reread: true, anonymous: 1 });
  });

  it('seen_lost: forgotten, read again as a first read', async () => {
    const u = upstream(range(1, 3));
    db.verdicts = ['suspicious', 'seen_lost'];
    await run(u, { state: closed }).done;
    expect(trace().filter((t) => !t.startsWith('GET') && !t.startsWith('land'))).toEqual([
      'checkpoint',
      'finish suspicious',
      'finish seen_lost',
      'forget',
      'finish deleted',
      'close',
    ]);
    expect(finishes().map((f) => [f.args.refreshId, f.args.reread, f.args.window])).toEqual(
      [false, true, false].map((reread) => [
        7,
        reread,
        { from: `${FROM} 00:00:00`, to: `${TO} 00:00:00`, timeZone: 'Europe/Moscow' },
      ]),
    );
    expect(events('forget')).toEqual([{ op: 'forget', entity: 'transactions', companyId: 101 }]);
    // the same window read again from page 1 under the same refresh, all of it seen before the end
    expect(requests().map((p) => [p.page, p.startDate, p.endDate])).toEqual(
      [1, 2, 1, 1, 2, 1, 1, 2, 1].map((page) => [page, FROM, TO]),
    );
    const window = { mode: 'window', from: FROM, to: TO, page: 2, refreshId: 7, loaded: true, anonymous: 0 };
    expect(lands().map((l) => [l.refreshId, l.checkpoint?.cursor])).toEqual([
      [7, window],
      [7, { ...window, reread: true }],
      [7, { ...window, reread: false }],
    ]);
    expect(finishes()[2]!.seen).toEqual([1, 2, 3]);
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: FROM, to: TO } } },
    ]);
  });

  it('seen_lost twice: fails without deleting', async () => {
    const u = upstream(range(1, 3));
    liveSet('transactions').add(99);
    db.verdicts = ['seen_lost', 'seen_lost'];
    const { done } = run(u, { state: closed });
    await expect(done).rejects.toThrow(
      new IncompleteReadError('transactions: the ids seen were lost twice; nothing was deleted'),
    );
    await expect(done).rejects.toBeInstanceOf(IncompleteReadError);
    expect(finishes().map((f) => f.deleted)).toEqual([[], []]);
    expect(closes()).toEqual([]);
  });

  it('pending: the read closes, and a later run that sees the same deletes it', async () => {
    const u = upstream(range(1, 3));
    for (const id of [1, 2, 3, 4]) liveSet('transactions').add(id); // 4 gone upstream
    db.verdicts = ['pending'];
    const first = run(u, { state: closed });
    await first.done;
    expect(finishes().map((f) => [f.verdict, f.deleted])).toEqual([['pending', []]]);
    expect(closes()).toEqual([
      { page_size: 200, cursor: { loaded: true, lastWindow: { from: FROM, to: TO } } },
    ]);
    expect(first.lines.map((l) => l.level)).toEqual(['warn']);
    const next = stateOf('transactions');
    expect(next?.cursor).toEqual({ loaded: true, lastWindow: { from: FROM, to: TO } });
    db.events = [];
    const second = run(u, { runId: 8, state: next });
    await second.done;
    expect(trace()[0]).toBe('checkpoint');
    expect(finishes().map((f) => [f.args.refreshId, f.verdict, f.deleted])).toEqual([[8, 'deleted', [4]]]);
    expect(second.removed.mock.calls).toEqual([[1]]);
  });

  it('withheld: closed, reported, nothing deleted', async () => {
    const u = upstream(range(1, 3));
    liveSet('transactions').add(4);
    db.verdicts = ['withheld'];
    const { done, withheld, removed } = run(u, { state: closed });
    await done;
    expect(withheld.mock.calls).toEqual([[`transactions ${FROM}..${TO}`, 1, 4, [4]]]);
    expect(removed).not.toHaveBeenCalled();
    expect(closes().length).toBe(1);
  });
});

describe('transactions: errors', () => {
  it('an upstream error propagates; the checkpoint of the last landed page stays', async () => {
    const u = upstream(range(1, 600));
    u.answer = (_p, n) => {
      if (n === 3) throw new YclientsError('network', 'boom');
      return undefined;
    };
    const { done } = run(u);
    await expect(done).rejects.toThrow('boom');
    expect(finishes()).toEqual([]);
    expect(stateOf('transactions')?.cursor).toMatchObject({ mode: 'history', page: 3 });
  });

  it('a server that ignores the page parameter stops the read with its label', async () => {
    const u = upstream(range(1, 600));
    u.answer = () => range(1, 200);
    await expect(run(u).done).rejects.toThrow(/^transactions: page 2 repeats page 1 /);
    expect(finishes()).toEqual([]);
  });
});
