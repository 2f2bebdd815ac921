/**
 * The clients pipeline (entities/clients.ts) against a fake upstream list and a fake database (issue 19:
 * the rebuild's re-read when the list moves and the `changed_after` overlap could be broken unnoticed).
 * The SDK's page iteration is the real one; the SQL functions are fakes (pipeline-fakes.ts) that keep
 * the checkpoint, the seen ids and the live ids, and answer finish_refresh with the verdicts a test sets.
 */
import { YclientsError } from '@yclients-pg/sdk';
import type { EntityState } from '@yclients-pg/sql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { clients } from '../src/entities/clients';
import type { EntityContext } from '../src/entities/context';
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

/** This run's start on the company's clock (2026-11-23T10:00:00Z in Moscow): the next change cursor. */
const RUN_CURSOR = '2026-11-23T13:00:00';
const ZONE = 'Europe/Moscow';

type Params = { page: number; count: number; changedAfter?: string; timeZone?: string };

/** A fake `GET /clients/{company_id}`: pages of `list`, or of `changed` when `changed_after` is sent. */
function upstream(initial: WireRow[]) {
  const u = {
    list: [...initial],
    changed: [] as WireRow[],
    /** the total an answer reports (default: the length of the list it pages) */
    total: undefined as ((params: Params, n: number) => number | undefined) | undefined,
    /** an answer of its own for request n (default: the slice of the list) */
    answer: undefined as ((params: Params, n: number) => WireRow[] | undefined) | undefined,
    /** changes upstream made before request n is answered */
    before: new Map<number, () => void>(),
    n: 0,
    clientsPage: vi.fn(async (_companyId: number, params: Params) => {
      const n = ++u.n;
      u.before.get(n)?.();
      db.events.push({ op: 'request', list: 'clients', params: { ...params } });
      const source = params.changedAfter === undefined ? u.list : u.changed;
      const wire =
        u.answer?.(params, n) ?? source.slice((params.page - 1) * params.count, params.page * params.count);
      return {
        page: params.page,
        ...pageOf(wire),
        repairs: { nulDropped: 0, surrogatesReplaced: 0 },
        totalCount: u.total?.(params, n) ?? source.length,
      };
    }),
  };
  return u;
}

/** The events in short: requests (`GET 2`, `GET 1 changed`), lands, checkpoints, the refresh's end. */
function trace(): string[] {
  return db.events.map((e) => {
    switch (e.op) {
      case 'request':
        return `GET ${e.params.page}${e.params.changedAfter === undefined ? '' : ' changed'}`;
      case 'land':
        return `land ${e.ids[0]}..${e.ids.at(-1)}${e.refreshId === undefined ? '' : ` r${e.refreshId}`}`;
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

const incremental = (over: Partial<EntityState> = {}, changedAfter = '2026-11-22T09:30:00'): EntityState => ({
  lastId: 650,
  lastOrdinal: 650,
  pageSize: 300,
  cursor: { mode: 'incremental', changedAfter },
  status: 'succeeded',
  tryCount: 0,
  nextTryAt: null,
  lastError: null,
  ...over,
});

const rebuildCursor = (over: Record<string, unknown> = {}) => ({
  mode: 'rebuild',
  refreshId: 5,
  nextPage: 1,
  pass: 1,
  changedAfterNext: '2026-11-22T13:00:00',
  ...over,
});

function run(u: ReturnType<typeof upstream>, over: Partial<EntityContext> = {}) {
  const h = makeContext(u, over);
  return { ...h, done: clients(h.ctx) };
}

const finishes = () => events('finish');
const lands = () => events('land');

beforeEach(() => {
  resetDb();
});

describe('clients: the first run rebuilds', () => {
  it('reads every page under one refresh, checkpoints each, deletes what upstream no longer has', async () => {
    const u = upstream(range(1, 650));
    for (const id of [9001, 9002]) liveSet('clients').add(id); // stored, gone upstream
    const { done, progress, counted, removed, lines } = run(u);
    await done;
    // read ahead: page 2 is asked for before page 1 is landed; the first checkpoint before any request
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'GET 2',
      'land 1..300 r7',
      'GET 3',
      'land 301..600 r7',
      'land 601..650 r7',
      'seen 650',
      'finish deleted',
      'close',
    ]);
    expect(requests()).toEqual([
      { page: 1, count: 300, timeZone: ZONE },
      { page: 2, count: 300, timeZone: ZONE },
      { page: 3, count: 300, timeZone: ZONE },
    ]);
    expect(u.clientsPage.mock.calls.map(([company]) => company)).toEqual([101, 101, 101]);
    const cursor = { mode: 'rebuild', refreshId: 7, nextPage: 1, pass: 1, changedAfterNext: RUN_CURSOR };
    expect(events('checkpoint')).toEqual([
      {
        op: 'checkpoint',
        entity: 'clients',
        companyId: 101,
        inTx: false,
        checkpoint: { last_id: null, last_ordinal: 0, cursor },
      },
      {
        op: 'checkpoint',
        entity: 'clients',
        companyId: 101,
        inTx: true,
        checkpoint: { cursor: { mode: 'incremental', changedAfter: RUN_CURSOR } },
      },
    ]);
    expect(lands().map((l) => [l.checkpoint, l.refreshId, l.runId, l.companyId, l.entity])).toEqual(
      [
        [300, 300, 2],
        [600, 600, 3],
        [650, 650, 4],
      ].map(([lastId, ordinal, next]) => [
        {
          last_id: lastId,
          last_ordinal: ordinal,
          page_size: 300,
          cursor: { ...cursor, nextPage: next, total: 650, anonymous: 0 },
        },
        7,
        7,
        101,
        'clients',
      ]),
    );
    expect(finishes()).toEqual([
      {
        op: 'finish',
        args: {
          entity: 'clients',
          companyId: 101,
          refreshId: 7,
          guard: GUARD,
          reread: false,
          unidentified: 0,
        },
        seen: range(1, 650),
        verdict: 'deleted',
        deleted: [9001, 9002],
      },
    ]);
    expect(removed.mock.calls).toEqual([[2]]);
    expect(stateOf('clients')).toMatchObject({
      lastId: 650,
      lastOrdinal: 650,
      pageSize: 300,
      cursor: { mode: 'incremental', changedAfter: RUN_CURSOR },
    });
    expect(progress.start.mock.calls).toEqual([['clients']]);
    expect(progress.total.mock.calls).toEqual([[650]]);
    expect(progress.page.mock.calls).toEqual([[300], [300], [50]]);
    expect(counted.mock.calls.map(([rows, counts]) => [rows, counts.inserted])).toEqual([
      [300, 300],
      [300, 300],
      [50, 50],
    ]);
    expect(lines).toEqual([]);
  });

  it('an empty list: one request, the refresh ends with nothing seen', async () => {
    const u = upstream([]);
    liveSet('clients').add(5);
    const { done } = run(u);
    await done;
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'land undefined..undefined r7',
      'seen 0',
      'finish deleted',
      'close',
    ]);
    expect(lands()[0]!.checkpoint).toEqual({
      page_size: 300,
      cursor: rebuildCursor({
        refreshId: 7,
        changedAfterNext: RUN_CURSOR,
        nextPage: 2,
        total: 0,
        anonymous: 0,
      }),
    });
    expect(finishes()[0]!.deleted).toEqual([5]);
  });

  const rebuilds: Array<[string, Partial<EntityContext>]> = [
    ['--full over an incremental cursor', { full: true, state: incremental() }],
    ['no cursor', { state: incremental({ cursor: null }) }],
    ['a cursor of another shape', { state: incremental({ cursor: { mode: 'window', page: 3 } }) }],
    ['no ordinal stored', { state: incremental({ lastOrdinal: null }) }],
    [
      'an interrupted rebuild with no ordinal stored',
      { state: incremental({ lastOrdinal: null, cursor: rebuildCursor({ nextPage: 3 }) }) },
    ],
  ];
  for (const [why, over] of rebuilds) {
    it(`rebuilds from page 1 under this run's refresh: ${why}`, async () => {
      const u = upstream(range(1, 400));
      const { done } = run(u, over);
      await done;
      expect(trace()).toEqual([
        'checkpoint',
        'GET 1',
        'GET 2',
        'land 1..300 r7',
        'land 301..400 r7',
        'seen 400',
        'finish deleted',
        'close',
      ]);
      expect(events('checkpoint')[0]!.checkpoint).toEqual({
        last_id: null,
        last_ordinal: 0,
        cursor: { mode: 'rebuild', refreshId: 7, nextPage: 1, pass: 1, changedAfterNext: RUN_CURSOR },
      });
    });
  }
});

describe('clients: incremental, by the stored ordinal', () => {
  it('the row at the ordinal still has its id: the check page and the pages after it, then changed_after', async () => {
    const u = upstream(range(1, 700)); // 651..700 appended upstream
    u.changed = [5, 17];
    const { done, progress, lines } = run(u, { state: incremental() });
    await done;
    expect(requests()).toEqual([
      { page: 3, count: 300, timeZone: ZONE },
      // the cursor 09:30 minus the 45-minute overlap (Moscow is behind the server's +04:00: nothing more)
      { page: 1, count: 300, changedAfter: '2026-11-22T08:45:00', timeZone: ZONE },
    ]);
    expect(trace()).toEqual(['GET 3', 'land 601..700', 'GET 1 changed', 'land 5..17']);
    expect(lands().map((l) => [l.refreshId, l.checkpoint])).toEqual([
      [
        undefined,
        {
          last_id: 700,
          last_ordinal: 700,
          page_size: 300,
          cursor: { mode: 'incremental', changedAfter: '2026-11-22T09:30:00' },
        },
      ],
      [undefined, { cursor: { mode: 'incremental', changedAfter: RUN_CURSOR } }],
    ]);
    expect(progress.total.mock.calls).toEqual([[700]]);
    expect(progress.page.mock.calls).toEqual([[100], [2]]);
    expect(events('finish')).toEqual([]);
    expect(stateOf('clients')).toMatchObject({
      lastId: 700,
      lastOrdinal: 700,
      cursor: { mode: 'incremental', changedAfter: RUN_CURSOR },
    });
    expect(lines).toEqual([]);
  });

  it('the check page is not the last: the pages after it are read (read ahead) and landed', async () => {
    const u = upstream(range(1, 700));
    const { done } = run(u, { state: incremental({ lastId: 250, lastOrdinal: 250 }) });
    await done;
    expect(trace()).toEqual([
      'GET 1',
      'land 1..300',
      'GET 2',
      'GET 3',
      'land 301..600',
      'land 601..700',
      'GET 1 changed',
      'land undefined..undefined',
    ]);
    expect(lands().map((l) => [l.checkpoint?.last_id, l.checkpoint?.last_ordinal])).toEqual([
      [300, 300],
      [600, 600],
      [700, 700],
      [undefined, undefined],
    ]);
  });

  it("nothing new and nothing changed: the empty answer ends the read, the cursor moves to this run's start", async () => {
    const u = upstream(range(1, 650));
    const { done } = run(u, { state: incremental() });
    await done;
    expect(trace()).toEqual(['GET 3', 'land 601..650', 'GET 1 changed', 'land undefined..undefined']);
    expect(lands()[1]!.checkpoint).toEqual({ cursor: { mode: 'incremental', changedAfter: RUN_CURSOR } });
  });

  it('changed clients over several pages: the cursor moves only with the last one', async () => {
    const u = upstream(range(1, 650));
    u.changed = range(1001, 1301);
    const { done } = run(u, { state: incremental() });
    await done;
    expect(requests().slice(1)).toEqual([
      { page: 1, count: 300, changedAfter: '2026-11-22T08:45:00', timeZone: ZONE },
      { page: 2, count: 300, changedAfter: '2026-11-22T08:45:00', timeZone: ZONE },
    ]);
    expect(
      lands()
        .slice(1)
        .map((l) => [l.ids.length, l.checkpoint]),
    ).toEqual([
      [300, { cursor: { mode: 'incremental', changedAfter: '2026-11-22T09:30:00' } }],
      [1, { cursor: { mode: 'incremental', changedAfter: RUN_CURSOR } }],
    ]);
    // read ahead: the next page of changes is asked for before the one before it lands
    expect(trace()).toEqual([
      'GET 3',
      'land 601..650',
      'GET 1 changed',
      'GET 2 changed',
      'land 1001..1300',
      'land 1301..1301',
    ]);
  });

  it('the overlap: exactly the configured minutes, plus how far the company clock is ahead of the server', async () => {
    const sent: string[] = [];
    for (const [zone, overlap] of [
      ['Europe/Moscow', 45],
      ['Europe/Moscow', 1],
      ['Asia/Novosibirsk', 45], // +07:00, three hours ahead of +04:00
    ] as const) {
      resetDb();
      const u = upstream(range(1, 650));
      const h = makeContext(
        u,
        { state: incremental(), timeZone: zone },
        { changedAfterOverlapMinutes: overlap },
      );
      await clients(h.ctx);
      sent.push(String(requests()[1]!.changedAfter));
    }
    expect(sent).toEqual(['2026-11-22T08:45:00', '2026-11-22T09:29:00', '2026-11-22T05:45:00']);
  });

  it('a stored page size other than 300 is the size the ordinal is checked and read with', async () => {
    const u = upstream(range(1, 420));
    const { done } = run(u, { state: incremental({ lastId: 250, lastOrdinal: 250, pageSize: 100 }) });
    await done;
    expect(requests().slice(0, 3)).toEqual([
      { page: 3, count: 100, timeZone: ZONE },
      { page: 4, count: 100, timeZone: ZONE },
      { page: 5, count: 100, timeZone: ZONE },
    ]);
    expect(
      lands()
        .slice(0, 3)
        .map((l) => [l.ids[0], l.checkpoint?.last_ordinal, l.checkpoint?.page_size]),
    ).toEqual([
      [201, 300, 100],
      [301, 400, 100],
      [401, 420, 100],
    ]);
  });

  it('no stored page size: 300', async () => {
    const u = upstream(range(1, 650));
    const { done } = run(u, { state: incremental({ pageSize: null }) });
    await done;
    expect(requests()[0]).toEqual({ page: 3, count: 300, timeZone: ZONE });
    expect(lands()[0]!.checkpoint?.page_size).toBe(300);
  });

  it('ordinal 0 (nothing seen yet): page 1 is read without a check', async () => {
    const u = upstream(range(1, 10));
    const { done, lines } = run(u, { state: incremental({ lastId: 99, lastOrdinal: 0 }) });
    await done;
    expect(trace()).toEqual(['GET 1', 'land 1..10', 'GET 1 changed', 'land undefined..undefined']);
    expect(lines).toEqual([]);
  });

  it('the last row of the check page rejected without an id: the ordinal of the last row with one', async () => {
    const u = upstream([...range(1, 650), { rejected: null }]);
    const { done } = run(u, { state: incremental() });
    await done;
    expect(lands()[0]!.checkpoint).toMatchObject({ last_id: 650, last_ordinal: 650 });
  });

  it('a page after the ordinal with no row that has an id keeps the stored ordinal and id', async () => {
    const v = upstream(range(1, 300));
    v.answer = (_p, n) => (n === 2 ? [{ rejected: null }] : undefined);
    v.total = () => 301;
    await run(v, { state: incremental({ lastId: 300, lastOrdinal: 300 }) }).done;
    expect(lands().map((l) => [l.ids, l.checkpoint?.last_id, l.checkpoint?.last_ordinal])).toEqual([
      [range(1, 300), 300, 300],
      [[null], 300, 300],
      [[], undefined, undefined],
    ]);
  });

  describe('the list shifted (deletes upstream): a rebuild', () => {
    it('another id at the ordinal', async () => {
      const u = upstream([...range(1, 9), ...range(11, 700)]); // 10 deleted upstream
      for (const id of range(1, 650)) liveSet('clients').add(id);
      const { done, lines } = run(u, { state: incremental() });
      await done;
      expect(lines).toEqual([
        {
          level: 'info',
          event: 'clients: the row at the stored ordinal changed; the list shifted upstream, rebuilding',
          fields: { ordinal: 650, expectedId: 650, foundId: 651 },
        },
      ]);
      expect(trace()).toEqual([
        'GET 3',
        'checkpoint',
        'GET 1',
        'GET 2',
        'land 1..301 r7',
        'GET 3',
        'land 302..601 r7',
        'land 602..700 r7',
        'seen 699',
        'finish deleted',
        'close',
      ]);
      expect(finishes()[0]!.deleted).toEqual([10]);
      expect(events('checkpoint')[0]!.checkpoint.cursor).toEqual({
        mode: 'rebuild',
        refreshId: 7,
        nextPage: 1,
        pass: 1,
        changedAfterNext: RUN_CURSOR,
      });
    });

    it('no row at the ordinal any more (the list got shorter)', async () => {
      const u = upstream(range(1, 600));
      const { done, lines } = run(u, { state: incremental() });
      await done;
      expect(lines[0]!.fields).toEqual({ ordinal: 650, expectedId: 650, foundId: null });
      expect(requests().map((p) => p.page)).toEqual([3, 1, 2]);
    });

    it('the check compares the row at the ordinal, not its neighbours', async () => {
      // 650 at ordinal 650 (page 3, index 49); ids around it changed
      const u = upstream([...range(1, 648), 2000, 650, 3000]);
      const { done, lines } = run(u, { state: incremental() });
      await done;
      expect(lines).toEqual([]);
      expect(requests().map((p) => p.page)).toEqual([3, 1]);
    });
  });
});

describe('clients: a rebuild whose read is incomplete or moving is read again', () => {
  it('a delete upstream mid-read (the total changes): read again; rows seen but gone: read again from scratch', async () => {
    const u = upstream(range(1, 650));
    for (const id of range(1, 650)) liveSet('clients').add(id);
    // client 5 is deleted after page 1 was answered: page 2 starts at 302, 301 is never seen in this pass
    u.before.set(2, () => u.list.splice(4, 1));
    const { done, lines } = run(u);
    await done;
    expect(lines).toEqual([
      {
        level: 'info',
        event: 'clients: the read was incomplete, reading the list again',
        fields: { seen: 649, total: 650, pass: 1, totalChanged: true },
      },
      {
        level: 'info',
        event: 'clients: rows read earlier are gone upstream, reading the list again from scratch',
        fields: { seen: 650, total: 649, pass: 2 },
      },
    ]);
    expect(trace()).toEqual([
      'checkpoint',
      'GET 1',
      'GET 2',
      'land 1..300 r7',
      'GET 3',
      'land 302..601 r7',
      'land 602..650 r7',
      'seen 649',
      // pass 2: the ids of pass 1 stay (its read was short, not wrong)
      'GET 1',
      'GET 2',
      'land 1..301 r7',
      'GET 3',
      'land 302..601 r7',
      'land 602..650 r7',
      'seen 650',
      'forget',
      // pass 3: a fresh set
      'GET 1',
      'GET 2',
      'land 1..301 r7',
      'GET 3',
      'land 302..601 r7',
      'land 602..650 r7',
      'seen 649',
      'finish deleted',
      'close',
    ]);
    expect(finishes()[0]!.deleted).toEqual([5]);
    expect(finishes()[0]!.args.reread).toBe(false);
    // each pass checkpoints its own number, from page 1
    expect(
      lands().map((l) => [
        l.checkpoint?.cursor?.pass,
        l.checkpoint?.cursor?.nextPage,
        l.checkpoint?.cursor?.total,
      ]),
    ).toEqual([
      [1, 2, 650],
      [1, 3, 650],
      [1, 4, 650],
      [2, 2, 649],
      [2, 3, 649],
      [2, 4, 649],
      [3, 2, 649],
      [3, 3, 649],
      [3, 4, 649],
    ]);
  });

  it('clients added upstream mid-read (the total grows): more ids seen than the first total is an incomplete read, not a loss; the ids stay', async () => {
    const u = upstream(range(1, 600));
    // five clients are added after page 1 was answered: pages 2 and 3 report 605, and pass 1 sees them all
    u.before.set(2, () => u.list.push(...range(601, 605)));
    const { done, lines } = run(u);
    await done;
    expect(lines).toEqual([
      {
        level: 'info',
        event: 'clients: the read was incomplete, reading the list again',
        fields: { seen: 605, total: 600, pass: 1, totalChanged: true },
      },
    ]);
    expect(events('forget')).toEqual([]);
    expect(trace().filter((t) => !t.startsWith('GET') && !t.startsWith('land'))).toEqual([
      'checkpoint',
      'seen 605',
      'seen 605',
      'finish deleted',
      'close',
    ]);
    expect(finishes()[0]!.seen).toEqual(range(1, 605));
  });

  it('a page answered short (the total the same): read again, then deleted on the complete read', async () => {
    const u = upstream(range(1, 650));
    for (const id of [...range(1, 650), 9001]) liveSet('clients').add(id);
    u.answer = (_p, n) => (n === 2 ? range(301, 600).filter((id) => id !== 450) : undefined);
    const { done, lines } = run(u);
    await done;
    expect(lines).toEqual([
      {
        level: 'info',
        event: 'clients: the read was incomplete, reading the list again',
        fields: { seen: 649, total: 650, pass: 1, totalChanged: false },
      },
    ]);
    expect(requests().map((p) => p.page)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(events('forget')).toEqual([]);
    expect(finishes().map((f) => [f.args.reread, f.deleted])).toEqual([[false, [9001]]]);
  });

  it('incomplete three times: fails the entity without deleting', async () => {
    const u = upstream(range(1, 650));
    for (const id of range(1, 651)) liveSet('clients').add(id);
    u.answer = (p) => (p.page === 2 ? range(301, 599) : undefined); // 600 never sent
    const { done, lines } = run(u);
    await expect(done).rejects.toThrow(
      new IncompleteReadError(
        'clients: the list stayed incomplete after 3 reads (649 of 650 rows); nothing was deleted',
      ),
    );
    await expect(done).rejects.toBeInstanceOf(IncompleteReadError);
    expect(requests().map((p) => p.page)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(finishes()).toEqual([]);
    expect(lines.map((l) => l.fields?.pass)).toEqual([1, 2]);
    expect(stateOf('clients')?.cursor).toMatchObject({ mode: 'rebuild', pass: 3, nextPage: 4 });
  });

  it('a total that changes on every pass: the error says so', async () => {
    const u = upstream(range(1, 650));
    u.total = (p, n) => (p.page === 3 ? 640 + n : undefined);
    const { done } = run(u);
    await expect(done).rejects.toThrow(
      'clients: the list stayed incomplete after 3 reads (650 of 650 rows, its total changed while it was read); nothing was deleted',
    );
    expect(finishes()).toEqual([]);
  });

  it('more ids seen than listed on every pass: fails after three passes, each from a fresh set', async () => {
    const u = upstream(range(1, 650));
    u.total = () => 649;
    const { done } = run(u);
    await expect(done).rejects.toThrow(
      new IncompleteReadError(
        'clients: the list kept changing while it was read (650 ids seen, 649 listed); nothing was deleted',
      ),
    );
    expect(requests().map((p) => p.page)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(events('forget').length).toBe(2);
    expect(finishes()).toEqual([]);
  });

  it('as many ids seen as listed is complete (no re-read)', async () => {
    const u = upstream(range(1, 10));
    await run(u).done;
    expect(requests().length).toBe(1);
    expect(finishes().length).toBe(1);
  });

  it('rows rejected without an id count towards the total, and are reported as unidentified', async () => {
    const wire: WireRow[] = [
      ...range(1, 4),
      { rejected: null },
      ...range(6, 300),
      { rejected: 301 },
      { rejected: null },
    ];
    const u = upstream(wire);
    const { done } = run(u);
    await done;
    expect(requests().length).toBe(2);
    expect(finishes().map((f) => [f.args.unidentified, f.seen.length])).toEqual([[2, 300]]);
    expect(
      lands().map((l) => [
        l.checkpoint?.last_id,
        l.checkpoint?.last_ordinal,
        l.checkpoint?.cursor?.anonymous,
      ]),
    ).toEqual([
      [300, 300, 1],
      [301, 301, 2],
    ]);
  });
});

describe("clients: finish_refresh's verdicts", () => {
  it('suspicious: the list is read again as a re-read, then believed', async () => {
    const u = upstream(range(1, 10));
    db.verdicts = ['suspicious'];
    const { done } = run(u);
    await done;
    expect(finishes().map((f) => [f.verdict, f.args.reread])).toEqual([
      ['suspicious', false],
      ['deleted', true],
    ]);
    expect(requests().map((p) => p.page)).toEqual([1, 1]);
    expect(lands()[1]!.checkpoint?.cursor).toMatchObject({ pass: 2, reread: true });
    expect(
      events('checkpoint')
        .filter((c) => c.inTx)
        .map((c) => c.checkpoint),
    ).toEqual([{ cursor: { mode: 'incremental', changedAfter: RUN_CURSOR } }]);
  });

  it('a re-read whose total changes is read again, still as a re-read', async () => {
    const u = upstream(range(1, 301));
    db.verdicts = ['suspicious'];
    u.total = (_p, n) => (n === 4 ? 302 : undefined);
    const { done } = run(u);
    await done;
    expect(requests().map((p) => p.page)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(finishes().map((f) => [f.verdict, f.args.reread])).toEqual([
      ['suspicious', false],
      ['deleted', true],
    ]);
  });

  for (const verdict of ['withheld', 'pending', 'unproven'] as const) {
    it(`${verdict}: the refresh closes without a cursor, so the next run rebuilds`, async () => {
      const u = upstream(range(1, 10));
      db.verdicts = [verdict];
      const { done } = run(u);
      await done;
      expect(
        events('checkpoint')
          .filter((c) => c.inTx)
          .map((c) => c.checkpoint),
      ).toEqual([{ cursor: null }]);
      const state = stateOf('clients');
      expect(state).toMatchObject({ lastId: 10, lastOrdinal: 10, cursor: null });
      resetDb();
      await run(u, { runId: 8, state }).done;
      expect(trace()[0]).toBe('checkpoint');
      expect(finishes()[0]!.args.refreshId).toBe(8);
    });
  }

  it('seen_lost: the ids are forgotten and the list read again from a first pass', async () => {
    const u = upstream(range(1, 10));
    db.verdicts = ['seen_lost'];
    // that new first pass comes back short twice: a pass count carried on would fail at its third read
    u.answer = (_p, n) => (n === 2 || n === 3 ? range(1, 9) : undefined);
    const { done } = run(u);
    await done;
    expect(trace().filter((t) => !t.startsWith('land') && !t.startsWith('GET'))).toEqual([
      'checkpoint',
      'seen 10',
      'finish seen_lost',
      'forget',
      'seen 9',
      'seen 9',
      'seen 10',
      'finish deleted',
      'close',
    ]);
    // a first read that never was suspicious: the read after the loss is no re-read either
    expect(finishes().map((f) => [f.verdict, f.args.reread])).toEqual([
      ['seen_lost', false],
      ['deleted', false],
    ]);
  });

  it('withheld, pending, unproven: reported under the scope "clients"', async () => {
    const u = upstream(range(1, 10));
    liveSet('clients').add(11);
    db.verdicts = ['withheld'];
    const first = run(u);
    await first.done;
    expect(first.withheld.mock.calls).toEqual([['clients', 1, 11, [11]]]);
    for (const verdict of ['pending', 'unproven'] as const) {
      resetDb();
      liveSet('clients').add(11);
      db.verdicts = [verdict];
      const { done, lines } = run(u);
      await done;
      expect(lines.map((l) => [l.level, l.event.split(':')[0]])).toEqual([['warn', 'clients']]);
    }
  });

  it('seen_lost twice: fails without deleting', async () => {
    const u = upstream(range(1, 10));
    db.verdicts = ['seen_lost', 'seen_lost'];
    const { done } = run(u);
    await expect(done).rejects.toThrow(
      new IncompleteReadError('clients: the ids seen by the rebuild were lost twice; nothing was deleted'),
    );
    expect(requests().length).toBe(2);
    expect(events('forget').length).toBe(1);
  });

  it('seen_lost keeps a re-read a re-read', async () => {
    const u = upstream(range(1, 10));
    db.verdicts = ['suspicious', 'seen_lost'];
    await run(u).done;
    expect(finishes().map((f) => [f.verdict, f.args.reread])).toEqual([
      ['suspicious', false],
      ['seen_lost', true],
      ['deleted', true],
    ]);
  });
});

describe('clients: an interrupted rebuild resumes', () => {
  const seenBefore = (refreshId: number, ids: number[]) => {
    db.seen.set(`clients:${refreshId}`, new Set(ids));
  };

  it('at its next page, under its refresh, with the change cursor of the run that started it', async () => {
    const u = upstream(range(1, 650));
    seenBefore(5, range(1, 600));
    const state = incremental({
      lastId: 600,
      lastOrdinal: 600,
      cursor: rebuildCursor({ nextPage: 3, total: 650, anonymous: 0 }),
    });
    const { done, lines, progress } = run(u, { state });
    await done;
    expect(lines).toEqual([
      { level: 'info', event: 'clients: resuming an interrupted rebuild', fields: { page: 3 } },
    ]);
    expect(trace()).toEqual(['seenLost', 'GET 3', 'land 601..650 r5', 'seen 650', 'finish deleted', 'close']);
    expect(events('seenLost')).toEqual([{ op: 'seenLost', entity: 'clients', refreshId: 5 }]);
    expect(finishes()[0]!.args.refreshId).toBe(5);
    expect(events('checkpoint')[0]!.checkpoint).toEqual({
      cursor: { mode: 'incremental', changedAfter: '2026-11-22T13:00:00' },
    });
    // the total of the interrupted pass is the one the resumed pages are held to
    expect(progress.total.mock.calls).toEqual([]);
  });

  it('killed before its first page: the same rebuild from page 1, no seen set to check', async () => {
    const u = upstream(range(1, 10));
    const { done } = run(u, {
      state: incremental({ lastId: null, lastOrdinal: 0, cursor: rebuildCursor() }),
    });
    await done;
    expect(trace()).toEqual(['checkpoint', 'GET 1', 'land 1..10 r5', 'seen 10', 'finish deleted', 'close']);
    expect(events('checkpoint')[0]!.checkpoint).toEqual({
      last_id: null,
      last_ordinal: 0,
      cursor: rebuildCursor(),
    });
  });

  it('killed before the first page of a later pass: the seen set is checked', async () => {
    const u = upstream(range(1, 10));
    seenBefore(5, range(1, 10));
    const { done } = run(u, { state: incremental({ lastOrdinal: 10, cursor: rebuildCursor({ pass: 2 }) }) });
    await done;
    expect(trace()).toEqual(['seenLost', 'GET 1', 'land 1..10 r5', 'seen 10', 'finish deleted', 'close']);
  });

  it('a total that differs from the interrupted pass: read again', async () => {
    const u = upstream(range(1, 650));
    seenBefore(5, range(1, 600));
    const state = incremental({
      lastOrdinal: 600,
      cursor: rebuildCursor({ nextPage: 3, total: 651, anonymous: 0 }),
    });
    const { done, lines } = run(u, { state });
    await done;
    expect(lines[1]).toEqual({
      level: 'info',
      event: 'clients: the read was incomplete, reading the list again',
      fields: { seen: 650, total: 651, pass: 1, totalChanged: true },
    });
    expect(requests().map((p) => p.page)).toEqual([3, 1, 2, 3]);
  });

  it('the rows rejected before the interruption still count', async () => {
    const u = upstream([...range(1, 599), { rejected: null }, ...range(601, 650)]);
    seenBefore(5, range(1, 599));
    const state = incremental({
      lastOrdinal: 599,
      cursor: rebuildCursor({ nextPage: 3, total: 650, anonymous: 1 }),
    });
    await run(u, { state }).done;
    expect(requests().map((p) => p.page)).toEqual([3]);
    expect(finishes()[0]!.args.unidentified).toBe(1);
  });

  it('the seen ids lost (a database crash): forgotten, and read again from page 1', async () => {
    const u = upstream(range(1, 650));
    seenBefore(5, range(1, 10));
    db.seenLost = [true];
    const state = incremental({
      lastOrdinal: 600,
      cursor: rebuildCursor({ nextPage: 3, pass: 2, total: 651, anonymous: 4 }),
    });
    const { done, lines } = run(u, { state });
    await done;
    expect(lines.map((l) => [l.level, l.event])).toEqual([
      ['info', 'clients: resuming an interrupted rebuild'],
      [
        'warn',
        'clients: the ids seen before the interruption were lost (a database crash or failover?); reading the list again from page 1',
      ],
    ]);
    expect(trace().slice(0, 3)).toEqual(['seenLost', 'forget', 'GET 1']);
    expect(requests().map((p) => p.page)).toEqual([1, 2, 3]);
    expect(lands()[0]!.checkpoint?.cursor).toEqual(
      rebuildCursor({ nextPage: 2, pass: 1, total: 650, anonymous: 0 }),
    );
    expect(finishes().map((f) => [f.args.refreshId, f.args.unidentified, f.seen.length])).toEqual([
      [5, 0, 650],
    ]);
  });

  it('a rebuild that failed on its last pass counts its passes afresh in this run', async () => {
    const u = upstream(range(1, 650));
    seenBefore(5, range(1, 500));
    const state = incremental({
      lastOrdinal: 600,
      cursor: rebuildCursor({ nextPage: 3, pass: 3, total: 650, anonymous: 0 }),
    });
    const { done, lines } = run(u, { state });
    await done;
    // the resumed pages miss 501..600: read again (pass 2 of this run), complete
    expect(lines[1]!.fields).toEqual({ seen: 550, total: 650, pass: 1, totalChanged: false });
    expect(requests().map((p) => p.page)).toEqual([3, 1, 2, 3]);
    expect(finishes().length).toBe(1);
  });
});

describe('clients: errors', () => {
  it('an upstream error propagates, the checkpoint of the last landed page stays', async () => {
    const u = upstream(range(1, 650));
    u.answer = (_p, n) => {
      if (n === 3) throw new YclientsError('network', 'boom');
      return undefined;
    };
    const { done } = run(u);
    await expect(done).rejects.toThrow('boom');
    expect(finishes()).toEqual([]);
    expect(stateOf('clients')?.cursor).toMatchObject({ mode: 'rebuild', nextPage: 3 });
  });

  it('a server that ignores the page parameter stops the rebuild with its label', async () => {
    const u = upstream(range(1, 700));
    u.answer = () => range(1, 300);
    await expect(run(u).done).rejects.toThrow(/^clients: page 2 repeats page 1 /);
  });

  it('… and the pages after the ordinal', async () => {
    const u = upstream(range(1, 700));
    u.answer = () => range(1, 300);
    const { done } = run(u, { state: incremental({ lastId: 250, lastOrdinal: 250 }) });
    await expect(done).rejects.toThrow(/^clients: page 3 repeats page 2 /);
  });

  it('… and changed_after', async () => {
    const u = upstream(range(1, 650));
    u.changed = range(1, 700);
    u.answer = (p) => (p.changedAfter === undefined ? undefined : range(1, 300));
    const { done } = run(u, { state: incremental() });
    await expect(done).rejects.toThrow(/^changed clients: page 2 repeats page 1 /);
  });
});
