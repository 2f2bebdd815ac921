/**
 * The records pipeline (entities/records.ts) against a fake API (records-fake.ts) and a fake database
 * (pipeline-fakes.ts), issue 19: windows, reading by position, the tie-day re-read, the window
 * completeness check and its passes, incremental runs and the search for vanished records, checkpoints
 * and resumes. The end-to-end suites reach these only through whole runs against the simulator, where
 * most of it never happens (one window, complete on its first pass, no tie longer than a page).
 */
import type { CountedPage, YcRecord } from '@yclients-pg/sdk';
import type { EntityState } from '@yclients-pg/sql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { records } from '../src/entities/records';
import { IncompleteReadError } from '../src/errors';
import { addDays } from '../src/time';
import { db, events, liveSet, makeContext, resetDb, stateOf } from './pipeline-fakes';
import {
  dayOf,
  daysOf,
  type FakeRecord,
  fakeRecordsApi,
  landedAt,
  quarantine,
  recordOf,
  resetRecords,
} from './records-fake';

vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...(await import('./pipeline-fakes')).sqlFakes,
  ...(await import('./records-fake')).recordsSql,
}));

beforeEach(() => {
  resetDb();
  resetRecords();
});

type Api = ReturnType<typeof fakeRecordsApi>;

async function run(api: Api, over: Parameters<typeof makeContext>[1] = {}) {
  const made = makeContext(api, over);
  await records(made.ctx);
  return made;
}

/** The requests of a window pass (not the one-row probes), as `from..end pPAGExCOUNT`. */
const reads = (api: Api) =>
  api.requests
    .filter((r) => r.startDate !== undefined && r.count !== 1)
    .map((r) => `${r.startDate}..${r.endDate} p${r.page}x${r.count}`);
const probes = (api: Api) => api.requests.filter((r) => r.count === 1 || r.count === 20);
/** The ids landed, in order, under a refresh id (or all). */
const landed = (refreshId?: number) =>
  events('land')
    .filter((e) => refreshId === undefined || e.refreshId === refreshId)
    .flatMap((e) => e.ids);
const sorted = (ids: Array<number | null>) => [...ids].sort((a, b) => (a ?? 0) - (b ?? 0));
const idsOf = (rows: FakeRecord[]) => sorted(rows.map((r) => r.id));
const blankState: EntityState = {
  lastId: null,
  lastOrdinal: null,
  pageSize: 1000,
  cursor: null,
  status: 'succeeded',
  tryCount: 0,
  nextTryAt: null,
  lastError: null,
};
const RUN_START = '2026-11-23T13:00:00'; // makeContext's runStartedAt in Moscow

describe('planning windows', () => {
  it('about 10,000 rows a window, newest first, no day skipped, the oldest reaching back to 2000-01-01', async () => {
    const rows = daysOf('2024-03-01', 30, 700, 1);
    const api = fakeRecordsApi(rows);
    const { progress } = await run(api);
    expect(probes(api)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 21_000, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(progress.total.mock.calls).toEqual([[21_000]]);
    const windows = [
      { from: '2024-03-21', to: '2024-03-30' },
      { from: '2024-03-11', to: '2024-03-20' },
      { from: '2000-01-01', to: '2024-03-10' },
    ];
    // each window is read up to the day after its last (end_date stops at 23:59:00)
    expect([...new Set(reads(api).map((r) => r.split(' ')[0]))]).toEqual([
      '2024-03-21..2024-03-31',
      '2024-03-11..2024-03-21',
      '2000-01-01..2024-03-11',
    ]);
    expect(events('finish').map((e) => [e.args.refreshId, e.args.window, e.args.reread])).toEqual(
      windows.map((w, i) => [
        7000 + i,
        { from: `${w.from} 00:00:00`, to: `${addDays(w.to, 1)} 23:59:00`, timeZone: 'Europe/Moscow' },
        false,
      ]),
    );
    // every record of each window landed once under its refresh (the day after a window's last is read
    // by it too, all but its last minute), and every record landed
    const inWindow = (w: { from: string; to: string }) =>
      idsOf(rows.filter((r) => r.at.slice(0, 10) >= w.from && r.at.slice(0, 10) <= addDays(w.to, 1)));
    windows.forEach((w, i) => {
      expect(sorted(landed(7000 + i))).toEqual(inWindow(w));
    });
    expect(sorted([...new Set(landed())])).toEqual(idsOf(rows));
    expect(events('finish').map((e) => e.deleted)).toEqual([[], [], []]);
    // read by position: 21,700 rows cost 24 requests
    expect(reads(api)).toHaveLength(24);
    // the plan is saved before the first page; each window's end moves the cursor to the next one
    const start = {
      mode: 'full',
      windows,
      index: 0,
      position: 1,
      pass: 1,
      runId: 7,
      changedAfterNext: RUN_START,
    };
    const checkpoints = events('checkpoint');
    expect(checkpoints[0]).toEqual({
      op: 'checkpoint',
      entity: 'records',
      companyId: 101,
      inTx: false,
      checkpoint: { page_size: 1000, cursor: start },
    });
    expect(checkpoints.slice(1).map((c) => [c.inTx, c.checkpoint])).toEqual([
      [
        true,
        {
          last_id: null,
          last_ordinal: null,
          page_size: 1000,
          cursor: { ...start, index: 1, pass: 1, total: undefined, anonymous: 0, tieDays: [], reread: false },
        },
      ],
      [
        true,
        {
          last_id: null,
          last_ordinal: null,
          page_size: 1000,
          cursor: { ...start, index: 2, pass: 1, total: undefined, anonymous: 0, tieDays: [], reread: false },
        },
      ],
      [
        true,
        {
          last_id: null,
          last_ordinal: null,
          page_size: 1000,
          cursor: { mode: 'incremental', changedAfter: RUN_START },
        },
      ],
    ]);
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: RUN_START });
  });
});

describe('planning windows: the probes', () => {
  it('every visit on one day: one window, however many rows', async () => {
    // 12,000 rows would make two windows, but a window is at least a day
    const rows = dayOf('2024-03-05', 12_000, 1, (i) => Math.floor(i / 10));
    const api = fakeRecordsApi(rows);
    await run(api);
    expect(new Set(reads(api).map((r) => r.split(' ')[0]))).toEqual(new Set(['2000-01-01..2024-03-06']));
    expect(events('finish')).toHaveLength(1);
    expect(sorted(landed(7000))).toEqual(idsOf(rows));
  });

  it('a single record: one probe stands for both ends', async () => {
    const api = fakeRecordsApi([{ id: 5, at: '2024-03-05T10:00' }]);
    await run(api);
    expect(api.requests).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { startDate: '2000-01-01', endDate: '2024-03-06', page: 1, count: 1000, timeZone: 'Europe/Moscow' },
    ]);
    expect(landed(7000)).toEqual([5]);
  });

  it('a first probe answered empty is asked again before it is believed', async () => {
    const rows = daysOf('2024-03-01', 3, 100, 1);
    const api = fakeRecordsApi(rows);
    api.answer = (page, _r, n) => (n === 1 ? { ...page, rows: [], totalCount: 0 } : page);
    await run(api);
    expect(probes(api)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 300, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(sorted(landed(7000))).toEqual(idsOf(rows));
  });

  it('no records at all (asked twice): no window, and the next run is incremental from this run', async () => {
    const api = fakeRecordsApi([]);
    await run(api);
    expect(api.requests).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(events('checkpoint').map((c) => c.checkpoint)).toEqual([
      {
        page_size: 1000,
        cursor: {
          mode: 'full',
          windows: [],
          index: 0,
          position: 1,
          pass: 1,
          runId: 7,
          changedAfterNext: RUN_START,
        },
      },
      { page_size: 1000, cursor: { mode: 'incremental', changedAfter: RUN_START } },
    ]);
    expect(events('checkpoint').map((c) => [c.entity, c.companyId, c.inTx])).toEqual([
      ['records', 101, false],
      ['records', 101, false],
    ]);
    expect(events('finish')).toEqual([]);
    expect(events('land')).toEqual([]);
  });

  it('the newest row rejected (no usable time): asked again with 20 rows, the first usable one taken', async () => {
    const rows: FakeRecord[] = [
      { id: 1, at: '2024-03-09T10:00', rejected: 'anonymous' },
      ...dayOf('2024-03-08', 40, 10),
      ...dayOf('2024-03-01', 9, 60),
    ];
    const api = fakeRecordsApi(rows);
    await run(api);
    expect(probes(api)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 20, timeZone: 'Europe/Moscow' },
      { page: 50, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    // the window ends on the day of the first usable row: the rejected row's day (a day later) is read
    // only as the window's extra day
    expect(new Set(reads(api).map((r) => r.split(' ')[0]))).toEqual(new Set(['2000-01-01..2024-03-09']));
  });

  it('the oldest row rejected: the last usable row of the last 20 taken', async () => {
    const rows: FakeRecord[] = [
      ...dayOf('2024-03-20', 30, 10),
      ...dayOf('2024-03-12', 19, 100),
      { id: 999, at: '2024-03-01T10:00', rejected: 'identified' },
    ];
    const api = fakeRecordsApi(rows);
    await run(api);
    expect(probes(api)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 50, count: 1, timeZone: 'Europe/Moscow' },
      { page: 3, count: 20, timeZone: 'Europe/Moscow' },
    ]);
    expect(sorted(landed(7000))).toEqual(idsOf(rows));
  });

  it('the oldest row rejected: its neighbours are read oldest last, the oldest usable one bounds the windows', async () => {
    // 10,020 rows make two windows; the last 20 hold one visit a day from 2024-03-19 back to 2024-03-01,
    // then the rejected oldest row: the range is 2024-03-01..2024-03-20, cut in two halves of 10 days
    const rows: FakeRecord[] = [
      ...dayOf('2024-03-20', 10_000, 1, (i) => Math.floor(i / 10)),
      ...Array.from({ length: 19 }, (_, i) => ({ id: 20_001 + i, at: `${addDays('2024-03-19', -i)}T10:00` })),
      { id: 20_999, at: '2024-02-28T10:00', rejected: 'identified' },
    ];
    const api = fakeRecordsApi(rows);
    await run(api);
    expect(probes(api).slice(1)).toEqual([
      { page: 10_020, count: 1, timeZone: 'Europe/Moscow' },
      { page: 501, count: 20, timeZone: 'Europe/Moscow' },
    ]);
    expect((events('checkpoint')[0]!.checkpoint.cursor as { windows: unknown }).windows).toEqual([
      { from: '2024-03-11', to: '2024-03-20' },
      { from: '2000-01-01', to: '2024-03-10' },
    ]);
  });

  it('only the newest end without a usable row: the load fails before reading any window', async () => {
    const rows: FakeRecord[] = [
      ...Array.from({ length: 25 }, (_, i) => ({
        id: i + 1,
        at: '2024-03-10T10:00',
        rejected: 'anonymous' as const,
      })),
      ...dayOf('2024-03-01', 10, 100),
    ];
    const api = fakeRecordsApi(rows);
    const { ctx } = makeContext(api);
    const done = records(ctx);
    await expect(done).rejects.toThrow(
      new IncompleteReadError('records: no row with a usable visit time among the newest and oldest 20'),
    );
    await expect(done).rejects.toBeInstanceOf(IncompleteReadError);
    expect(reads(api)).toEqual([]);
  });

  it('neither end has a usable row: the load fails before reading any window', async () => {
    const rows: FakeRecord[] = Array.from({ length: 30 }, (_, i) => ({
      id: i + 1,
      at: '2024-03-01T10:00',
      rejected: 'anonymous' as const,
    }));
    const api = fakeRecordsApi(rows);
    const { ctx } = makeContext(api);
    await expect(records(ctx)).rejects.toThrow(
      new IncompleteReadError('records: no row with a usable visit time among the newest and oldest 20'),
    );
    expect(reads(api)).toEqual([]);
  });

  it('a total a bad answer lowered: the oldest window still reaches back to the start of history', async () => {
    // the oldest probe stands at position 100 of 300: a visit of 2024-03-03, not 2024-03-01
    const rows = daysOf('2024-03-01', 3, 100, 1);
    const api = fakeRecordsApi(rows);
    api.answer = (page, _r, n) => (n === 1 ? { ...page, totalCount: 100 } : page);
    await run(api);
    expect(probes(api)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 100, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(new Set(reads(api).map((r) => r.split(' ')[0]))).toEqual(new Set(['2000-01-01..2024-03-04']));
    expect(sorted(landed(7000))).toEqual(idsOf(rows));
  });

  it('probes answered oldest first: the range is still the days between them', async () => {
    const rows = daysOf('2024-03-01', 3, 100, 1);
    const api = fakeRecordsApi(rows);
    // the two probes swap their rows
    api.answer = (page, _r, n) =>
      n === 1
        ? { ...page, rows: [recordOf(rows[0]!)] }
        : n === 2
          ? { ...page, rows: [recordOf(rows.at(-1)!)] }
          : page;
    await run(api);
    expect(new Set(reads(api).map((r) => r.split(' ')[0]))).toEqual(new Set(['2000-01-01..2024-03-04']));
    expect(sorted(landed(7000))).toEqual(idsOf(rows));
  });
});

const LOG_INCOMPLETE = 'records: window incomplete (ties or rows moved between pages), reading it again';
const window3 = { from: '2000-01-01', to: '2024-03-03' };
const windowOf = (lines: Array<{ event: string }>) => lines.filter((l) => l.event === LOG_INCOMPLETE);
/** The cursor of each page landed (its checkpoint's). */
const cursors = () => events('land').map((e) => e.checkpoint?.cursor as Record<string, unknown> | undefined);

describe('reading a window by position', () => {
  it('each request starts at the first position not proven complete; ties across pages land once', async () => {
    // visits two to a minute: every page of 1,000 would end inside a tie
    const rows = daysOf('2024-03-01', 5, 500, 1);
    const api = fakeRecordsApi(rows);
    await run(api);
    expect(reads(api)).toEqual([
      '2000-01-01..2024-03-06 p1x1000', // positions 1-1000: 999 and 1000 tie, 998 kept
      '2000-01-01..2024-03-06 p2x998', // starts at 999
      '2000-01-01..2024-03-06 p3x997', // starts at 1995: to the end
    ]);
    const landings = events('land');
    expect(landings.map((e) => [e.ids.length, e.refreshId, e.runId, e.companyId])).toEqual([
      [998, 7000, 7, 101],
      [996, 7000, 7, 101],
      [506, 7000, 7, 101],
    ]);
    expect(cursors().map((c) => [c?.position, c?.total, c?.pass, c?.index])).toEqual([
      [999, 2500, 1, 0],
      [1995, 2500, 1, 0],
      [2501, 2500, 1, 0],
    ]);
    expect(landings.map((e) => e.checkpoint?.last_id)).toEqual(landings.map((e) => e.ids.at(-1)));
    expect(landed()).toHaveLength(rows.length);
    expect(sorted(landed())).toEqual(idsOf(rows));
    expect(events('finish').map((e) => e.args.unidentified)).toEqual([0]);
  });

  it('a server that clamps the page size: the size is learnt from its first short answer', async () => {
    const rows = daysOf('2024-03-01', 2, 500, 1);
    const api = fakeRecordsApi(rows);
    api.max = 300;
    await run(api);
    expect(reads(api)).toEqual([
      '2000-01-01..2024-03-03 p1x1000', // 300 rows of 1,000: asked again by 300, not landed
      '2000-01-01..2024-03-03 p1x300',
      '2000-01-01..2024-03-03 p2x298',
      '2000-01-01..2024-03-03 p3x297',
      '2000-01-01..2024-03-03 p4x296',
    ]);
    expect(events('land').map((e) => e.ids.length)).toEqual([298, 296, 296, 110]);
    expect(sorted(landed())).toEqual(idsOf(rows));
  });

  it('a clamped page one row short of the total: the size is learnt, and the last row read too', async () => {
    // 301 rows, the server serves 300: the first answer is short of the total by one row
    const rows = dayOf('2024-03-05', 301, 1, (i) => Math.floor(i / 2));
    const api = fakeRecordsApi(rows);
    api.max = 300;
    api.ties = () => (r) => r.id;
    const { lines } = await run(api);
    expect(reads(api)).toEqual([
      '2000-01-01..2024-03-06 p1x1000',
      '2000-01-01..2024-03-06 p1x300', // 299 kept: positions 300 and 301 tie
      '2000-01-01..2024-03-06 p2x299', // 300 and 301: the end
    ]);
    expect(windowOf(lines)).toEqual([]);
    expect(events('finish').map((e) => e.seen)).toEqual([idsOf(rows)]);
  });

  it('an answer empty before its total: no request for nothing, the window read again', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    const api = fakeRecordsApi(rows);
    // the window's second request answers no rows, its total unchanged
    api.answer = (page, _r, n) => (n === 4 ? { ...page, rows: [] } : page);
    const { lines } = await run(api);
    const pass = ['2000-01-01..2024-03-04 p1x1000', '2000-01-01..2024-03-04 p2x998'];
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(windowOf(lines).map((l) => (l as { fields?: unknown }).fields)).toEqual([
      { ...window3, seen: 998, total: 1500, totalChanged: false },
    ]);
    expect(cursors().map((c) => [c?.pass, c?.position, c?.tieDays])).toEqual([
      [1, 999, []],
      [2, 999, []],
      [2, 1501, []],
    ]);
    expect(events('finish').map((e) => e.seen.length)).toEqual([1500]);
  });

  it('rows rejected without an id count towards the total; with an id they are seen', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    rows[10]!.rejected = 'anonymous';
    rows[700]!.rejected = 'anonymous';
    rows[20]!.rejected = 'identified';
    const api = fakeRecordsApi(rows);
    const { lines } = await run(api);
    expect(windowOf(lines)).toEqual([]);
    expect(reads(api)).toHaveLength(2);
    expect(events('finish').map((e) => [e.args.unidentified, e.seen.length])).toEqual([[2, 1498]]);
    expect(cursors().map((c) => c?.anonymous)).toEqual([1, 2]);
  });

  it('an answer with nothing new (the list shrank under the reader): nothing landed, the window read again', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    const api = fakeRecordsApi(rows);
    // the window's second request: no rows and a total that ends before it
    api.answer = (page, _r, n) => (n === 4 ? { ...page, rows: [], totalCount: 900 } : page);
    const { lines } = await run(api);
    expect(windowOf(lines).map((l) => (l as { fields?: unknown }).fields)).toEqual([
      { ...window3, seen: 998, total: 1500, totalChanged: true },
    ]);
    expect(events('land').map((e) => e.ids.length)).toEqual([998, 998, 502]);
    expect(cursors().map((c) => [c?.pass, c?.position])).toEqual([
      [1, 999],
      [2, 999],
      [2, 1501],
    ]);
    expect(sorted([...new Set(landed())])).toEqual(idsOf(rows));
  });
});

describe('a tie longer than a page (the tie day)', () => {
  // 2024-03-10: 500 visits a minute apart; 2024-03-09: 1,200 visits at 12:00 (ids 1001-2200), then
  // 300 earlier ones. Read by position, the window's second request holds nothing but the tie (positions
  // 501-1000) and the third its rest (1001-1700)
  const DAY = '2024-03-09';
  const tieRows = (): FakeRecord[] => [
    ...dayOf('2024-03-10', 500, 1),
    ...dayOf(DAY, 1200, 1001, () => 12 * 60),
    ...dayOf(DAY, 300, 3001, (i) => i),
  ];
  const byId = (r: FakeRecord) => r.id;
  const byIdDown = (r: FakeRecord) => -r.id;
  const RE_READ = 'records: re-reading the days where tied rows straddled a page boundary';
  const dayReads = (api: Api) => api.requests.filter((r) => r.startDate === DAY);
  const window10 = '2000-01-01..2024-03-11';

  it('split between requests that order it differently: its day is read again whole, the window complete on its first pass', async () => {
    const rows = tieRows();
    const api = fakeRecordsApi(rows);
    // window requests alternate the tie's order (requests 1 and 2 are the probes); the day's stays put
    api.ties = (r, n) => (r.startDate === DAY ? byId : n % 2 ? byId : byIdDown);
    const { lines } = await run(api);
    expect(reads(api)).toEqual([
      `${window10} p1x1000`, // 500 kept, the tie starts at 501
      `${window10} p1x1000`, // 501-1000, all tied (ids 2200 down to 1701): a tie day
      `${window10} p2x1000`, // 1001-1700 of the tie in the other order (ids 1501-2200), then 300 more
      `${DAY}..2024-03-10 p1x1000`,
      `${DAY}..2024-03-10 p2x1000`,
    ]);
    expect(dayReads(api)).toEqual([
      { startDate: DAY, endDate: '2024-03-10', page: 1, count: 1000, timeZone: 'Europe/Moscow' },
      { startDate: DAY, endDate: '2024-03-10', page: 2, count: 1000, timeZone: 'Europe/Moscow' },
    ]);
    // the pass missed ids 1001-1500; the day holds 2024-03-09 and 2024-03-10 up to 23:59
    expect(lines.filter((l) => l.event === RE_READ)).toEqual([
      { level: 'debug', event: RE_READ, fields: { days: [DAY] } },
    ]);
    const landings = events('land');
    expect(landings.map((e) => [e.ids.length, e.refreshId, e.checkpoint === undefined])).toEqual([
      [500, 7000, false],
      [500, 7000, false],
      [1000, 7000, false],
      [1000, 7000, true],
      [1000, 7000, true],
    ]);
    expect(
      cursors()
        .slice(0, 3)
        .map((c) => c?.tieDays),
    ).toEqual([[], [DAY], [DAY]]);
    expect(windowOf(lines)).toEqual([]);
    expect(events('finish').map((e) => [e.args.refreshId, e.seen.length, e.verdict])).toEqual([
      [7000, 2000, 'deleted'],
    ]);
    expect(events('finish')[0]!.deleted).toEqual([]);
  });

  it('a day read again from a server that ignores the page parameter: stopped, named as the day read', async () => {
    const rows = tieRows();
    const api = fakeRecordsApi(rows);
    api.ties = (r, n) => (r.startDate === DAY ? byId : n % 2 ? byId : byIdDown);
    let first: CountedPage<YcRecord> | undefined;
    api.answer = (page, r) => {
      if (r.startDate !== DAY) return page;
      if (r.page === 1) first = page;
      return first!;
    };
    const { ctx } = makeContext(api);
    await expect(records(ctx)).rejects.toThrow(
      'records of a day: page 2 repeats page 1 (the server ignored the page parameter?)',
    );
    expect(events('finish')).toEqual([]);
  });

  it('read in one order throughout: complete, the day noted but not read again', async () => {
    const rows = tieRows();
    const api = fakeRecordsApi(rows);
    api.ties = () => byId;
    const { lines } = await run(api);
    expect(reads(api)).toEqual([`${window10} p1x1000`, `${window10} p1x1000`, `${window10} p2x1000`]);
    expect(cursors().map((c) => c?.tieDays)).toEqual([[], [DAY], [DAY]]);
    expect(lines.filter((l) => l.event === RE_READ)).toEqual([]);
    expect(events('finish').map((e) => e.seen.length)).toEqual([2000]);
  });

  it('read in one order with a row rejected without an id: complete, the day not read again', async () => {
    const rows = tieRows();
    rows[1850]!.rejected = 'anonymous'; // among the 300 earlier visits of the tie's day
    const api = fakeRecordsApi(rows);
    api.ties = () => byId;
    const { lines } = await run(api);
    expect(reads(api)).toEqual([`${window10} p1x1000`, `${window10} p1x1000`, `${window10} p2x1000`]);
    expect(lines.filter((l) => l.event === RE_READ)).toEqual([]);
    expect(events('finish').map((e) => [e.seen.length, e.args.unidentified])).toEqual([[1999, 1]]);
  });

  it('the day read again still short: the window is read again, its tie days noted afresh', async () => {
    const rows = tieRows();
    const api = fakeRecordsApi(rows);
    // the day's two pages disagree too (page 2 repeats ids page 1 had); from the second pass on, one order
    api.ties = (r, n) =>
      n >= 9 ? byId : r.startDate === DAY ? (r.page === 1 ? byIdDown : byId) : n % 2 ? byId : byIdDown;
    const { lines } = await run(api);
    expect(reads(api)).toEqual([
      `${window10} p1x1000`,
      `${window10} p1x1000`,
      `${window10} p2x1000`,
      `${DAY}..2024-03-10 p1x1000`,
      `${DAY}..2024-03-10 p2x1000`,
      `${window10} p1x1000`,
      `${window10} p1x1000`,
      `${window10} p2x1000`,
    ]);
    expect(windowOf(lines).map((l) => (l as { fields?: unknown }).fields)).toEqual([
      { from: '2000-01-01', to: '2024-03-10', seen: 1500, total: 2000, totalChanged: false },
    ]);
    expect(cursors().map((c) => c && [c.pass, c.tieDays])).toEqual([
      [1, []],
      [1, [DAY]],
      [1, [DAY]],
      undefined,
      undefined,
      [2, []],
      [2, [DAY]],
      [2, [DAY]],
    ]);
    expect(lines.filter((l) => l.event === RE_READ)).toHaveLength(1);
    expect(events('finish').map((e) => e.seen.length)).toEqual([2000]);
  });
});

describe('the completeness check of a window', () => {
  const rows3 = () => daysOf('2024-03-01', 3, 500, 1);
  const pass = ['2000-01-01..2024-03-04 p1x1000', '2000-01-01..2024-03-04 p2x998'];
  /** An answer where record `id` is replaced by a copy of the row after it (ties move rows between pages). */
  const losing =
    (id: number, when: (n: number) => boolean) => (page: CountedPage<YcRecord>, _r: unknown, n: number) => {
      const at = page.rows.findIndex((r) => r.id === id);
      if (!when(n) || at < 0) return page;
      const rows = [...page.rows];
      rows[at] = rows[at + 1] ?? rows[at - 1]!;
      return { ...page, rows };
    };

  it('a pass short of its total: the window is read again from position 1, then ends once', async () => {
    const rows = rows3();
    const api = fakeRecordsApi(rows);
    api.answer = losing(1400, (n) => n === 3);
    const { lines } = await run(api);
    expect(windowOf(lines)).toEqual([
      {
        level: 'info',
        event: LOG_INCOMPLETE,
        fields: { from: '2000-01-01', to: '2024-03-03', seen: 1499, total: 1500, totalChanged: false },
      },
    ]);
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(cursors().map((c) => [c?.pass, c?.position, c?.reread])).toEqual([
      [1, 999, undefined],
      [1, 1501, undefined],
      [2, 999, false],
      [2, 1501, false],
    ]);
    expect(events('finish').map((e) => [e.seen.length, e.args.reread])).toEqual([[1500, false]]);
    // no tie longer than a page: no day to read again, and no word of one
    expect(lines.filter((l) => l.level === 'debug')).toEqual([]);
    expect(events('seenCount')).toHaveLength(2);
  });

  it('a total that changes while the window is read: read again', async () => {
    const api = fakeRecordsApi(rows3());
    api.answer = (page, _r, n) => (n === 4 ? { ...page, totalCount: 1499 } : page);
    const { lines } = await run(api);
    expect(windowOf(lines).map((l) => (l as { fields?: unknown }).fields)).toEqual([
      { from: '2000-01-01', to: '2024-03-03', seen: 1500, total: 1500, totalChanged: true },
    ]);
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(events('finish')).toHaveLength(1);
  });

  it('short on every pass: fails after the third, nothing ended or deleted', async () => {
    const api = fakeRecordsApi(rows3());
    api.answer = losing(1400, () => true);
    const { ctx, lines } = makeContext(api);
    await expect(records(ctx)).rejects.toThrow(
      new IncompleteReadError(
        'records 2000-01-01..2024-03-03 stayed incomplete after 3 reads (1499 of 1500 ids); nothing in it was deleted',
      ),
    );
    expect(reads(api)).toEqual([...pass, ...pass, ...pass]);
    expect(windowOf(lines)).toHaveLength(2);
    expect(events('finish')).toEqual([]);
  });

  it('a total changing on every pass: the error says so', async () => {
    const api = fakeRecordsApi(rows3());
    api.answer = (page, r) => (r.page === 2 ? { ...page, totalCount: 1499 } : page);
    const { ctx } = makeContext(api);
    await expect(records(ctx)).rejects.toThrow(
      new IncompleteReadError(
        'records 2000-01-01..2024-03-03 stayed incomplete after 3 reads (1500 of 1500 ids, its total changed while it was read); nothing in it was deleted',
      ),
    );
    expect(events('finish')).toEqual([]);
  });

  it('passes are counted per run: a load resumed on its third pass may read twice more', async () => {
    const api = fakeRecordsApi(rows3());
    api.answer = losing(1400, (n) => n === 1);
    const cursor = {
      mode: 'full',
      windows: [window3],
      index: 0,
      position: 1,
      pass: 3,
      runId: 5,
      changedAfterNext: '2026-11-22T10:00:00',
    };
    const { lines } = await run(api, { state: { ...blankState, cursor } });
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(windowOf(lines)).toHaveLength(1);
    expect(cursors().map((c) => c?.pass)).toEqual([1, 1, 2, 2]);
    expect(events('finish').map((e) => e.args.refreshId)).toEqual([5000]);
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: '2026-11-22T10:00:00' });
  });

  it('a suspicious end: the window is read again and ended as a re-read', async () => {
    const api = fakeRecordsApi(rows3());
    db.verdicts = ['suspicious'];
    await run(api);
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(events('finish').map((e) => [e.verdict, e.args.reread])).toEqual([
      ['suspicious', false],
      ['deleted', true],
    ]);
    expect(cursors().map((c) => [c?.pass, c?.reread])).toEqual([
      [1, undefined],
      [1, undefined],
      [2, true],
      [2, true],
    ]);
  });

  it('a re-read that comes up short is read once more, still as a re-read', async () => {
    const api = fakeRecordsApi(rows3());
    db.verdicts = ['suspicious'];
    // (the ids the first pass saw still count: only a total that changes leaves the re-read short)
    api.answer = (page, _r, n) => (n === 6 ? { ...page, totalCount: 1499 } : page);
    const { lines } = await run(api);
    expect(reads(api)).toEqual([...pass, ...pass, ...pass]);
    expect(windowOf(lines)).toHaveLength(1);
    expect(events('finish').map((e) => [e.verdict, e.args.reread])).toEqual([
      ['suspicious', false],
      ['deleted', true],
    ]);
    expect(cursors().map((c) => c?.reread)).toEqual([undefined, undefined, true, true, true, true]);
  });

  it('the ids seen lost at the end: forgotten and the window read again; lost twice, the load fails', async () => {
    const api = fakeRecordsApi(rows3());
    db.verdicts = ['seen_lost'];
    await run(api);
    expect(reads(api)).toEqual([...pass, ...pass]);
    expect(events('forget')).toEqual([{ op: 'forget', entity: 'records', companyId: 101 }]);
    expect(events('finish').map((e) => e.verdict)).toEqual(['seen_lost', 'deleted']);
    expect(cursors().map((c) => [c?.pass, c?.reread])).toEqual([
      [1, undefined],
      [1, undefined],
      [1, false],
      [1, false],
    ]);

    resetDb();
    const again = fakeRecordsApi(rows3());
    db.verdicts = ['seen_lost', 'seen_lost'];
    const { ctx } = makeContext(again);
    await expect(records(ctx)).rejects.toThrow(
      new IncompleteReadError(
        'records 2000-01-01..2024-03-03: the ids seen were lost twice; nothing was deleted',
      ),
    );
    expect(reads(again)).toEqual([...pass, ...pass]);
    expect(events('forget')).toHaveLength(1);
  });

  it('ids lost once in each of two windows: each window read again once, the load succeeds', async () => {
    const rows = daysOf('2024-03-01', 20, 1000, 1);
    const api = fakeRecordsApi(rows);
    db.verdicts = ['seen_lost', 'deleted', 'seen_lost', 'deleted'];
    await run(api);
    expect(events('finish').map((e) => [e.args.refreshId, e.verdict])).toEqual([
      [7000, 'seen_lost'],
      [7000, 'deleted'],
      [7001, 'seen_lost'],
      [7001, 'deleted'],
    ]);
    expect(events('forget')).toHaveLength(2);
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: RUN_START });
  });
});

describe('checkpoints and resuming a full load', () => {
  const rows3 = () => daysOf('2024-03-01', 3, 500, 1);
  const RESUMING = 'records: resuming an interrupted full load';
  const full = (over: Record<string, unknown>) => ({
    ...blankState,
    cursor: {
      mode: 'full',
      windows: [window3],
      index: 0,
      pass: 1,
      runId: 5,
      changedAfterNext: '2026-11-22T10:00:00',
      ...over,
    },
  });

  it('a load killed mid-window resumes at its position, the rows it landed still counted', async () => {
    const rows = rows3();
    rows[1200]!.rejected = 'anonymous'; // in the first page
    const api = fakeRecordsApi(rows);
    api.answer = (page, _r, n) => {
      if (n === 4) throw new Error('connection reset');
      return page;
    };
    const first = makeContext(api);
    await expect(records(first.ctx)).rejects.toThrow('connection reset');
    expect(stateOf('records')?.cursor).toEqual({
      mode: 'full',
      windows: [window3],
      index: 0,
      position: 999,
      pass: 1,
      runId: 7,
      changedAfterNext: RUN_START,
      total: 1500,
      anonymous: 1,
      tieDays: [],
    });

    const again = fakeRecordsApi(rows);
    const { lines } = await run(again, { runId: 8, state: stateOf('records') });
    expect(again.requests).toEqual([
      { startDate: '2000-01-01', endDate: '2024-03-04', page: 2, count: 998, timeZone: 'Europe/Moscow' },
    ]);
    expect(lines.filter((l) => l.event === RESUMING)).toEqual([
      { level: 'info', event: RESUMING, fields: { window: 1, position: 999 } },
    ]);
    expect(events('seenLost')).toEqual([{ op: 'seenLost', entity: 'records', refreshId: 7000 }]);
    expect(windowOf(lines)).toEqual([]);
    expect(events('finish').map((e) => [e.args.refreshId, e.seen.length, e.args.unidentified])).toEqual([
      [7000, 1499, 1],
    ]);
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: RUN_START });
  });

  it('a cursor written before positions resumes at the first row of its page', async () => {
    const rows = rows3();
    db.seen.set('records:5000', new Set(rows.filter((r) => r.id > 500).map((r) => r.id)));
    const api = fakeRecordsApi(rows);
    const { lines } = await run(api, { state: full({ page: 2 }) });
    expect(reads(api)).toEqual(['2000-01-01..2024-03-04 p2x1000']);
    expect(lines.filter((l) => l.event === RESUMING).map((l) => l.fields)).toEqual([
      { window: 1, position: 1001 },
    ]);
    expect(events('finish').map((e) => e.seen.length)).toEqual([1500]);
  });

  it('resumed past the end of its window: no request, the window ends', async () => {
    const rows = rows3();
    db.seen.set('records:5000', new Set(rows.map((r) => r.id)));
    const api = fakeRecordsApi(rows);
    await run(api, { state: full({ position: 1501, total: 1500, anonymous: 0 }) });
    expect(api.requests).toEqual([]);
    expect(events('finish').map((e) => [e.args.refreshId, e.seen.length])).toEqual([[5000, 1500]]);
  });

  it('resumed at the last row of its window: that row is read, the window complete', async () => {
    const rows = rows3();
    const api = fakeRecordsApi(rows);
    api.ties = () => (r) => r.id; // position 1500 holds record 2 (tied with 1 at 08:00 on 2024-03-01)
    db.seen.set('records:5000', new Set(rows.filter((r) => r.id !== 2).map((r) => r.id)));
    const { lines } = await run(api, { state: full({ position: 1500, total: 1500, anonymous: 0 }) });
    expect(api.requests).toHaveLength(1);
    expect(landed()).toEqual([2]);
    expect(windowOf(lines)).toEqual([]);
    expect(events('finish').map((e) => [e.args.refreshId, e.seen.length])).toEqual([[5000, 1500]]);
  });

  it('a window whose rows were all rejected without an id: landed, no last id, all unidentified', async () => {
    const rows: FakeRecord[] = [
      ...dayOf('2024-03-10', 5, 1),
      ...[11, 12, 13].map((id) => ({ id, at: '2024-03-05T10:00', rejected: 'anonymous' as const })),
    ];
    const api = fakeRecordsApi(rows);
    const window = { from: '2024-03-05', to: '2024-03-05' };
    await run(api, { state: full({ windows: [window], position: 1 }) });
    expect(reads(api)).toEqual(['2024-03-05..2024-03-06 p1x1000']);
    expect(events('land').map((e) => [e.ids, e.checkpoint?.last_id])).toEqual([[[null, null, null], null]]);
    expect(events('finish').map((e) => [e.seen, e.args.unidentified])).toEqual([[[], 3]]);
  });

  it('resumed with the ids seen before lost: the window is read again from its start', async () => {
    const rows = rows3();
    const api = fakeRecordsApi(rows);
    db.seenLost = [true];
    const { lines } = await run(api, { state: full({ position: 999, total: 1500 }) });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        event:
          'records: the ids seen in this window before the interruption were lost (a database crash or failover?); reading the window again',
        fields: undefined,
      },
    ]);
    expect(events('forget')).toEqual([{ op: 'forget', entity: 'records', companyId: 101 }]);
    expect(reads(api)).toEqual(['2000-01-01..2024-03-04 p1x1000', '2000-01-01..2024-03-04 p2x998']);
    expect(cursors().map((c) => [c?.pass, c?.position])).toEqual([
      [1, 999],
      [1, 1501],
    ]);
    // a first read of the window again, not a re-read after a suspicious end
    expect(events('finish').map((e) => [e.seen.length, e.args.reread])).toEqual([[1500, false]]);
  });

  it('resumed at a later window: the windows before it are not read again', async () => {
    const rows = daysOf('2024-03-01', 20, 100, 1);
    const api = fakeRecordsApi(rows);
    const windows = [
      { from: '2024-03-11', to: '2024-03-20' },
      { from: '2000-01-01', to: '2024-03-10' },
    ];
    const { lines } = await run(api, { state: full({ windows, index: 1, position: 1 }) });
    expect(reads(api)).toEqual(['2000-01-01..2024-03-11 p1x1000', '2000-01-01..2024-03-11 p2x998']);
    expect(lines.filter((l) => l.event === RESUMING).map((l) => l.fields)).toEqual([
      { window: 2, position: 1 },
    ]);
    expect(events('seenLost')).toEqual([{ op: 'seenLost', entity: 'records', refreshId: 5001 }]);
    // no checkpoint before the read: the resumed cursor stands
    expect(events('checkpoint').map((c) => c.inTx)).toEqual([true]);
    expect(events('finish').map((e) => e.args.refreshId)).toEqual([5001]);
  });

  it('--full, or a cursor of no known kind: the windows are planned afresh', async () => {
    for (const over of [
      { full: true, state: full({ index: 0, position: 999, total: 1500 }) },
      { state: { ...blankState, cursor: { mode: 'other' } } },
    ]) {
      resetDb();
      const api = fakeRecordsApi(rows3());
      const { lines } = await run(api, over);
      expect(probes(api)).toHaveLength(2);
      expect(reads(api)).toEqual(['2000-01-01..2024-03-04 p1x1000', '2000-01-01..2024-03-04 p2x998']);
      expect(lines.filter((l) => l.event === RESUMING)).toEqual([]);
      expect(events('seenLost')).toEqual([]);
      expect(events('finish').map((e) => e.args.refreshId)).toEqual([7000]);
    }
  });
});

/** Records already stored (live) before the run, as a full load would have left them. */
function store(rows: FakeRecord[]): void {
  for (const r of rows) {
    liveSet('records').add(r.id);
    landedAt.set(r.id, recordOf(r).datetime);
  }
}
const incremental = (over: Record<string, unknown> = {}) => ({
  ...blankState,
  cursor: { mode: 'incremental', changedAfter: '2026-11-20T10:00:00', ...over },
});
const CHANGED = '2026-11-21T08:00:00';

describe('incremental runs', () => {
  it('read changed_after (minus the overlap) with deletes, page by page, and move the cursor to the run start', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    for (const r of rows.slice(0, 1200)) r.changed = CHANGED;
    store(rows);
    const api = fakeRecordsApi(rows);
    const { progress } = await run(api, { state: incremental() });
    expect(progress.start.mock.calls).toEqual([['records']]);
    // read ahead: page 2 is asked for before page 1 lands
    expect(
      db.events.flatMap((e) =>
        e.op === 'land' || (e.op === 'request' && e.list === 'records') ? [e.op] : [],
      ),
    ).toEqual(['request', 'request', 'land', 'land', 'request']);
    expect(api.requests).toEqual([
      // 10:00 less 45 minutes of overlap (Moscow is behind the server's +04:00: nothing more)
      {
        changedAfter: '2026-11-20T09:15:00',
        withDeleted: true,
        page: 1,
        count: 1000,
        timeZone: 'Europe/Moscow',
      },
      {
        changedAfter: '2026-11-20T09:15:00',
        withDeleted: true,
        page: 2,
        count: 1000,
        timeZone: 'Europe/Moscow',
      },
      // nothing vanished: one probe says so
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(progress.total.mock.calls).toEqual([[1200]]);
    const landings = events('land');
    expect(landings.map((e) => [e.ids.length, e.refreshId])).toEqual([
      [1000, undefined],
      [200, undefined],
    ]);
    expect(landings.map((e) => e.checkpoint)).toEqual([
      {
        last_id: landings[0]!.ids.at(-1),
        last_ordinal: null,
        page_size: 1000,
        cursor: {
          mode: 'incremental',
          changedAfter: '2026-11-20T10:00:00',
          page: 2,
          changedAfterNext: RUN_START,
        },
      },
      {
        last_id: landings[1]!.ids.at(-1),
        last_ordinal: null,
        page_size: 1000,
        cursor: { mode: 'incremental', changedAfter: RUN_START },
      },
    ]);
    expect(sorted(landed())).toEqual(idsOf(rows.slice(0, 1200)));
    expect(events('finish')).toEqual([]);
  });

  it('resumed at its page: the cursor moves to the start of the run that began the read', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    for (const r of rows.slice(0, 1200)) r.changed = CHANGED;
    store(rows);
    const api = fakeRecordsApi(rows);
    const { progress } = await run(api, {
      state: incremental({ page: 2, changedAfterNext: '2026-11-22T09:00:00' }),
    });
    expect(api.requests.map((r) => [r.page, r.count, r.changedAfter])).toEqual([
      [2, 1000, '2026-11-20T09:15:00'],
      [1, 1, undefined],
    ]);
    expect(progress.total).not.toHaveBeenCalled();
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: '2026-11-22T09:00:00' });
  });

  it('a server that ignores the page parameter stops the read of changes with its label', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    for (const r of rows.slice(0, 1200)) r.changed = CHANGED;
    store(rows);
    const api = fakeRecordsApi(rows);
    let first: CountedPage<YcRecord> | undefined;
    api.answer = (page, r) => {
      if (r.page === 1) first = page;
      return first!;
    };
    const { ctx } = makeContext(api, { state: incremental() });
    await expect(records(ctx)).rejects.toThrow(
      'changed records: page 2 repeats page 1 (the server ignored the page parameter?)',
    );
  });

  it('quarantined rows count as stored: upstream counting fewer than stored and quarantined is no reason to probe its span', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    store(rows.slice(1));
    quarantine.count = 2; // 1,499 live and 2 quarantined stored; upstream counts 1,500
    const api = fakeRecordsApi(rows);
    await run(api, { state: incremental() });
    expect(api.requests.filter((r) => r.count === 1 && r.startDate === undefined)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
    ]);
  });

  it('a quarantined row gone upstream: the search finds no window that differs and reads nothing', async () => {
    const rows = daysOf('2024-03-01', 3, 10, 1);
    store(rows);
    quarantine.count = 1;
    const api = fakeRecordsApi(rows);
    const { lines } = await run(api, { state: incremental() });
    expect(lines.map((l) => l.event)).toEqual([
      'records: upstream counts a different number of live records; finding the days that differ',
    ]);
    expect(reads(api)).toEqual([]);
    expect(events('checkpoint')).toEqual([]);
    expect(events('finish')).toEqual([]);
  });

  it('quarantined rows count as stored: upstream counting them too is no difference', async () => {
    const rows = daysOf('2024-03-01', 3, 500, 1);
    store(rows.slice(1));
    quarantine.count = 1;
    const api = fakeRecordsApi(rows);
    await run(api, { state: incremental() });
    expect(api.requests.filter((r) => r.changedAfter === undefined)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
    ]);
  });
});

describe('records that vanish upstream without a flag', () => {
  it('the stored span is halved down to the windows that differ, and only those are read again', async () => {
    const rows = daysOf('2024-03-01', 30, 100, 1);
    store(rows);
    const api = fakeRecordsApi(rows.filter((r) => r.id !== 1550)); // 2024-03-16
    const { lines, removed } = await run(api, { state: incremental() });
    const probe = (startDate: string, endDate: string) => ({
      page: 1,
      count: 1,
      timeZone: 'Europe/Moscow',
      startDate,
      endDate,
    });
    expect(api.requests.slice(1, 9)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' }, // 2,999 upstream, 3,000 stored
      probe('2024-03-01', '2024-03-31'), // the stored span: differs, 30 days of 3,000 rows: halved
      probe('2024-03-16', '2024-03-31'), // differs: halved
      probe('2024-03-23', '2024-03-31'), // the same
      probe('2024-03-16', '2024-03-23'), // differs, 800 rows: read again
      probe('2024-03-01', '2024-03-16'), // differs (a window holds the day after its last): halved
      probe('2024-03-08', '2024-03-16'), // differs, 900 rows: read again
      probe('2024-03-01', '2024-03-08'), // the same
    ]);
    expect(reads(api)).toEqual(['2024-03-16..2024-03-23 p1x1000', '2024-03-08..2024-03-16 p1x1000']);
    expect(api.requests).toHaveLength(11);
    // read as a full load of those windows: a run killed while reading them resumes them
    expect(cursors()[1]).toMatchObject({
      mode: 'full',
      windows: [
        { from: '2024-03-16', to: '2024-03-22' },
        { from: '2024-03-08', to: '2024-03-15' },
      ],
      index: 0,
      pass: 1,
      runId: 7,
      changedAfterNext: RUN_START,
    });
    expect(lines.filter((l) => l.level === 'info')).toEqual([
      {
        level: 'info',
        event: 'records: upstream counts a different number of live records; finding the days that differ',
        fields: { upstream: 2999, stored: 3000 },
      },
      {
        level: 'info',
        event: 'records: reading again the windows where upstream and the database differ',
        fields: { windows: '2024-03-16..2024-03-22, 2024-03-08..2024-03-15' },
      },
    ]);
    expect(events('finish').map((e) => [e.args.refreshId, e.args.window, e.deleted])).toEqual([
      [7000, { from: '2024-03-16 00:00:00', to: '2024-03-23 23:59:00', timeZone: 'Europe/Moscow' }, [1550]],
      [7001, { from: '2024-03-08 00:00:00', to: '2024-03-16 23:59:00', timeZone: 'Europe/Moscow' }, []],
    ]);
    expect(removed.mock.calls).toEqual([[1], [0]]);
    expect(liveSet('records').size).toBe(2999);
    expect(stateOf('records')?.cursor).toEqual({ mode: 'incremental', changedAfter: RUN_START });
  });

  it('a span is read whole up to a page of rows on either side, halved above', async () => {
    const LINE = 'records: reading again the windows where upstream and the database differ';
    const windows = (lines: Array<{ event: string; fields?: Record<string, unknown> }>) =>
      lines.filter((l) => l.event === LINE).map((l) => l.fields?.windows);
    // 1,000 stored over two days, one gone upstream: 1,000 rows at most, read as one window
    const exactly = [...dayOf('2024-03-05', 600, 1), ...dayOf('2024-03-06', 400, 601)];
    store(exactly);
    const first = await run(fakeRecordsApi(exactly.filter((r) => r.id !== 700)), { state: incremental() });
    expect(windows(first.lines)).toEqual(['2024-03-05..2024-03-06']);
    // 1,001 stored, 1,000 upstream: more than a page on one side, halved into its days
    resetDb();
    resetRecords();
    const over = [...dayOf('2024-03-05', 601, 1), ...dayOf('2024-03-06', 400, 602)];
    store(over);
    const second = await run(fakeRecordsApi(over.filter((r) => r.id !== 900)), { state: incremental() });
    expect(windows(second.lines)).toEqual(['2024-03-06..2024-03-06, 2024-03-05..2024-03-05']);
  });

  it('a day is the smallest window, however many rows it holds', async () => {
    const rows = dayOf('2024-03-05', 1500, 1, (i) => Math.floor(i / 2));
    store(rows);
    const api = fakeRecordsApi(rows.filter((r) => r.id !== 700));
    await run(api, { state: incremental() });
    expect(api.requests.slice(1).map((r) => `${r.startDate}..${r.endDate} p${r.page}x${r.count}`)).toEqual([
      'undefined..undefined p1x1',
      '2024-03-05..2024-03-06 p1x1',
      '2024-03-05..2024-03-06 p1x1000',
      '2024-03-05..2024-03-06 p2x999',
    ]);
    expect(events('finish').map((e) => e.deleted)).toEqual([[700]]);
  });

  it('upstream counting more than is stored: its own span is searched too', async () => {
    // a first load that an answer faked empty: only 2024-03-10..2024-03-19 stored
    const rows = daysOf('2024-03-01', 30, 100, 1);
    store(rows.filter((r) => r.at >= '2024-03-10' && r.at < '2024-03-20'));
    const api = fakeRecordsApi(rows);
    await run(api, { state: incremental() });
    expect(api.requests.slice(1, 5)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow' }, // upstream's newest
      { page: 3000, count: 1, timeZone: 'Europe/Moscow' }, // and oldest
      { page: 1, count: 1, timeZone: 'Europe/Moscow', startDate: '2024-03-01', endDate: '2024-03-31' },
    ]);
    expect(liveSet('records').size).toBe(3000);
    expect(sorted([...liveSet('records')])).toEqual(idsOf(rows));
  });

  it('upstream has one record, none stored: one probe for its span', async () => {
    const api = fakeRecordsApi([{ id: 9, at: '2024-03-05T10:00' }]);
    await run(api, { state: incremental() });
    expect(api.requests.slice(1)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow', startDate: '2024-03-05', endDate: '2024-03-06' },
      { startDate: '2024-03-05', endDate: '2024-03-06', page: 1, count: 1000, timeZone: 'Europe/Moscow' },
    ]);
    expect([...liveSet('records')]).toEqual([9]);
  });

  it('upstream counting more, but neither end of it usable and nothing stored: nothing to search', async () => {
    const api = fakeRecordsApi([
      { id: 9, at: '2024-03-05T10:00', rejected: 'anonymous' },
      { id: 8, at: '2024-03-04T10:00', rejected: 'anonymous' },
    ]);
    const { lines } = await run(api, { state: incremental() });
    expect(api.requests.slice(1)).toEqual([
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 1, count: 1, timeZone: 'Europe/Moscow' },
      { page: 2, count: 1, timeZone: 'Europe/Moscow' },
    ]);
    expect(lines).toEqual([]);
  });
});
