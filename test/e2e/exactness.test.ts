/**
 * Exact in every corner (issue 15): the change cursor under either reading of its zone, records that
 * vanish upstream without a flag, text stored as sent. The simulator over HTTP, a real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { compareWithTruth } from '../helpers/compare';
import { type FakeOptions, runSync, useHarness } from '../helpers/harness';

const COMPANY = 101;
const small = { clients: 650, records: 2500, transactions: 450 };

const e2e = useHarness();
const { query } = e2e;

async function start(
  seed: number,
  options: Partial<FakeOptions> = {},
  company: Record<string, unknown> = {},
) {
  const harness = await e2e.start({
    seed,
    rateLimit: false,
    companies: [{ id: COMPANY, ...small, ...company }],
    ...options,
  });
  const first = await runSync(harness.env);
  expect(first.code, first.stderr).toBe(0);
  return harness;
}

async function expectTruth(): Promise<void> {
  expect(await compareWithTruth(e2e.current.db.url, e2e.current.fake, COMPANY)).toEqual([]);
}

describe('changed_after is right whichever zone YClients reads it in', () => {
  for (const naiveTimeZone of ['company', 'server'] as const) {
    it(`a salon 6 hours ahead of the server, changed_after read in the ${naiveTimeZone}'s zone`, async () => {
      const h = await start(61, { naiveTimeZone }, { timezoneName: 'Asia/Vladivostok' });
      const c = h.fake.company(COMPANY);
      const client = [...c.clients.list()][20]!;
      const record = [...c.records.list()][30]!;
      c.clients.update(client.id, { name: 'Изменена после синхронизации' });
      c.records.update(record.id, { comment: 'изменена после синхронизации' });
      const result = await runSync(h.env);
      expect(result.code, result.stderr).toBe(0);
      const [stored] = await query<{ name: string }>(
        'select name from yclients.clients where company_id = $1 and id = $2',
        [COMPANY, client.id],
      );
      expect(stored?.name).toBe('Изменена после синхронизации');
      const [visit] = await query<{ comment: string }>(
        'select comment from yclients.records where company_id = $1 and id = $2',
        [COMPANY, record.id],
      );
      expect(visit?.comment).toBe('изменена после синхронизации');
      await expectTruth();
    });
  }
});

describe('records that vanish upstream without a flag', () => {
  it('are soft-deleted after one incremental run, at a counted cost', async () => {
    const h = await start(62);
    const c = h.fake.company(COMPANY);
    const records = [...c.records.list()];
    const gone = [records[100]!.id, records[1500]!.id, records[1501]!.id];
    for (const id of gone) expect(c.records.vanish(id)).toBe(true);
    h.fake.clearRequests();
    const result = await runSync(h.env, ['--only', 'records']);
    expect(result.code, result.stderr).toBe(0);
    const deleted = await query<{ id: string }>(
      'select id from yclients.records where company_id = $1 and deleted_at is not null order by id',
      [COMPANY],
    );
    expect(deleted.map((r) => Number(r.id))).toEqual([...gone].sort((a, b) => a - b));
    await expectTruth();
    // only the windows where upstream and the database differ are read again: each holds a vanished visit
    const goneDays = [records[100]!, records[1500]!, records[1501]!].map((r) =>
      String(r.datetime).slice(0, 10),
    );
    const reread = result.logs.find((l) => String(l.event).startsWith('records: reading again the windows'));
    const windows = String(reread?.windows ?? '')
      .split(', ')
      .filter(Boolean)
      .map((w) => w.split('..'));
    expect(windows.length).toBeGreaterThan(0);
    for (const [from, to] of windows) {
      expect(
        goneDays.some((day) => day >= from! && day <= to!),
        `${from}..${to}`,
      ).toBe(true);
    }
    // one changed_after page, one count probe, halving probes down to a page or a day, the windows' pages
    const requests = h.fake.requests.filter((r) => r.template === '/records/{company_id}');
    const probes = requests.filter((r) => r.query.count === '1').length;
    expect(probes).toBeGreaterThan(1);
    expect(probes).toBeLessThanOrEqual(1 + 2 * 2 * Math.ceil(Math.log2(800)));
    expect(requests.length - probes).toBeLessThanOrEqual(1 + 2 * 2);

    // and the next run with nothing new costs one changed_after page and one count probe
    h.fake.clearRequests();
    const quiet = await runSync(h.env, ['--only', 'records']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(h.fake.requests.filter((r) => r.template === '/records/{company_id}')).toHaveLength(2);
  });
});

describe('text is stored as sent', () => {
  it('"NULL", "null", "undefined", whitespace and "" round-trip byte for byte', async () => {
    const h = await start(63);
    const c = h.fake.company(COMPANY);
    const texts = ['NULL', 'null', 'undefined', '   ', '', ' Анна\t'];
    const clients = [...c.clients.list()].slice(0, texts.length);
    const records = [...c.records.list()].slice(0, texts.length);
    texts.forEach((text, i) => {
      c.clients.update(clients[i]!.id, { name: text, comment: text });
      c.records.update(records[i]!.id, { comment: text });
    });
    const result = await runSync(h.env);
    expect(result.code, result.stderr).toBe(0);
    const stored = await query<{ id: string; name: string | null; comment: string | null }>(
      'select id, name, comment from yclients.clients where company_id = $1 and id = any($2) order by id',
      [COMPANY, clients.map((r) => r.id)],
    );
    expect(stored.map((r) => [r.name, r.comment])).toEqual(texts.map((t) => [t, t]));
    const visits = await query<{ comment: string | null }>(
      'select comment from yclients.records where company_id = $1 and id = any($2) order by array_position($2, id)',
      [COMPANY, records.map((r) => r.id)],
    );
    expect(visits.map((r) => r.comment)).toEqual(texts);
  });
});

describe('a full load of records costs about ceil(rows / 1,000) requests', () => {
  it('several windows, visit times tied across page boundaries, every record exactly once', async () => {
    const records = 25_000;
    const harness = await e2e.start({
      seed: 64,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 300, records, transactions: 10 }],
    });
    const result = await runSync(harness.env, ['--only', 'records']);
    expect(result.code, result.stderr).toBe(0);
    const requests = harness.fake.requests.filter((r) => r.template === '/records/{company_id}');
    const windows = new Set(requests.map((r) => r.query.start_date).filter(Boolean));
    expect(windows.size).toBeGreaterThanOrEqual(3);
    // the simulator ties about a fifth of the visits to the minute of the one before: with pages of
    // 1,000 most page boundaries would split a tie; read by position, none does
    const minimum = Math.ceil(records / 1000);
    expect(requests.length).toBeLessThanOrEqual(Math.ceil(minimum * 1.05) + 2 + windows.size);
    expect(result.logs.some((l) => String(l.event).includes('window incomplete'))).toBe(false);
    const [live] = await query<{ n: string }>(
      'select count(*) as n from yclients.records where company_id = $1 and deleted_at is null and not is_stub',
      [COMPANY],
    );
    expect(Number(live!.n)).toBeGreaterThan(24_000); // some generated visits are deleted upstream
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['records'] })).toEqual(
      [],
    );
  });
});

describe('a records window whose total changes while it is read', () => {
  it('is read again whole: no row of it missing, none deleted (issue 19, the completeness check)', async () => {
    const harness = await e2e.start({
      seed: 66,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 100, records: 1500, transactions: 10 }],
    });
    // the window's second request (page 2) comes back with half its rows and a total lowered to match,
    // as if rows were deleted upstream between the two requests: the read holds fewer ids than page 1's
    // total, and the two totals disagree
    harness.fake.faults.shortNext(1, { path: '/records/{company_id}', query: { page: '2' } });
    const result = await runSync(harness.env, ['--only', 'records']);
    expect(result.code, result.stderr).toBe(0);
    expect(harness.fake.faults.pending()).toBe(0);
    expect(result.logs.filter((l) => String(l.event).includes('window incomplete'))).toHaveLength(1);
    const pass = harness.fake.requests.filter(
      (r) => r.template === '/records/{company_id}' && r.query.count !== '1',
    );
    expect(pass.length).toBeGreaterThanOrEqual(4); // two requests a pass, two passes
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['records'] })).toEqual(
      [],
    );
  });
});

describe('clients appended upstream', () => {
  it("an incremental run reads the pages after the stored ordinal and moves the ordinal to the list's end", async () => {
    const h = await start(67);
    const c = h.fake.company(COMPANY);
    for (let i = 0; i < 400; i++) c.clients.insert({ name: `Новый клиент ${i}` });
    const result = await runSync(h.env, ['--only', 'clients']);
    expect(result.code, result.stderr).toBe(0);
    const [state] = await query<{ last_ordinal: string }>(
      "select last_ordinal from yclients_sync.sync_state where company_id = $1 and entity = 'clients'",
      [COMPANY],
    );
    // the specification's checkpoint: the ordinal of the last client, 650 before and 400 appended
    expect(Number(state!.last_ordinal)).toBe(small.clients + 400);
    await expectTruth();
  });
});

describe('a first transactions history answered empty', () => {
  it('is not believed for good: the next run reads the whole history again', async () => {
    const harness = await e2e.start({
      seed: 68,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 100, records: 200, transactions: 300 }],
    });
    // every transactions answer of the first run is empty: a salon with no history, as far as it knows
    harness.fake.faults.emptyNext(1000, { path: '/transactions/{company_id}' });
    await runSync(harness.env, ['--only', 'transactions']);
    harness.fake.faults.clear();
    harness.fake.clearRequests();
    const second = await runSync(harness.env, ['--only', 'transactions']);
    expect(second.code, second.stderr).toBe(0);
    const pages = harness.fake.requests.filter((r) => r.template === '/transactions/{company_id}');
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((r) => r.query.start_date === '2000-01-01')).toBe(true);
    expect(
      await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['transactions'] }),
    ).toEqual([]);
  });
});

describe('the transactions history losing a few rows at its end', () => {
  it('is read again before they are deleted, though the brake would let so few go (suspectAny)', async () => {
    const harness = await e2e.start({
      seed: 69,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 100, records: 200, transactions: 450 }],
    });
    const c = harness.fake.company(COMPANY);
    // 5 live rows on the history's last page of 200
    const live = [...c.transactions.list()];
    for (const t of live.slice(0, (live.length - 5) % 200)) expect(c.transactions.vanish(t.id)).toBe(true);
    const count = [...c.transactions.list()].length;
    expect(count % 200).toBe(5);
    expect((await runSync(harness.env, ['--only', 'transactions'])).code).toBe(0);
    // the last page answered empty, and again when asked again: the read ends 5 rows short
    const last = String(Math.ceil(count / 200));
    harness.fake.faults.emptyNext(2, { path: '/transactions/{company_id}', query: { page: last } });
    const full = await runSync(harness.env, ['--full', '--only', 'transactions']);
    expect(full.code, full.stderr).toBe(0);
    expect(harness.fake.faults.pending()).toBe(0);
    expect(
      await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['transactions'] }),
    ).toEqual([]);
  });
});

describe('a server that pages records by a smaller size than asked', () => {
  it('clamped to 300 a page, silently: the full load learns it and stays exact', async () => {
    const harness = await e2e.start({
      seed: 65,
      rateLimit: false,
      limits: { records: 300 },
      companies: [{ id: COMPANY, clients: 100, records: 3000, transactions: 10 }],
    });
    const result = await runSync(harness.env, ['--only', 'records']);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['records'] })).toEqual(
      [],
    );
    const pages = harness.fake.requests.filter((r) => r.template === '/records/{company_id}').length;
    expect(pages).toBeLessThanOrEqual(Math.ceil(3000 / 300) + 5);
  });
});
