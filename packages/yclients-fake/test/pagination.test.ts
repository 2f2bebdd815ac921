import { describe, expect, it } from 'vitest';
import { allPages, get, makeFake, NOW } from './helpers';

describe('pagination', () => {
  it('clients: id ascending, every live row exactly once across pages', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 237 }] });
    const { rows, totals } = await allPages(fake, '/clients/101', 50);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(237);
    expect(totals.every((t) => t === 237)).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(ids).toEqual([...fake.company(101).clients.list()].map((r) => r.id));
  });

  it('clients: count defaults to 20 and is clamped to 300', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 400 }] });
    expect((await get(fake, '/clients/101')).body.data).toHaveLength(20);
    const big = await get(fake, '/clients/101', { count: 1000 });
    expect(big.body.data).toHaveLength(300);
    expect(big.body.meta).toEqual({ page: 1, total_count: 400 });
    const last = await get(fake, '/clients/101', { count: 300, page: 2 });
    expect(last.body.data).toHaveLength(100);
    expect((await get(fake, '/clients/101', { count: 300, page: 3 })).body.data).toEqual([]);
  });

  it('records: newest first; pages together hold every visit time once; ties change order per request', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 3000 }] });
    const whole = await get(fake, '/records/101', { count: 1000, with_deleted: 1 });
    expect(whole.body.meta.total_count).toBe(3000);
    const all = [];
    for (let page = 1; page <= 3; page++) {
      all.push(...(await get(fake, '/records/101', { count: 1000, page, with_deleted: 1 })).body.data);
    }
    const times = all.map((r) => Date.parse(r.datetime));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]!);

    const paged = (await allPages(fake, '/records/101', 37, { with_deleted: 1 })).rows;
    expect(paged).toHaveLength(3000);
    // positions are fixed, only rows with the same time may trade places between requests
    expect(paged.map((r) => r.datetime)).toEqual(all.map((r) => r.datetime));
    const ids = new Set(paged.map((r) => r.id));
    const truth = new Set([...fake.company(101).records.list({ withDeleted: true })].map((r) => r.id));
    for (const id of ids) expect(truth.has(id)).toBe(true);
    expect(truth.size).toBe(3000);

    // ties exist, and their order is not stable between identical requests
    const tiedTimes = times.filter((t, i) => i > 0 && t === times[i - 1]);
    expect(tiedTimes.length).toBeGreaterThan(100);
    const orders = new Set<string>();
    for (let n = 0; n < 8; n++) {
      const r = await get(fake, '/records/101', { count: 1000, with_deleted: 1 });
      orders.add(r.body.data.map((x: { id: number }) => x.id).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('records: tiedRecords puts that many visits at one minute; pages across the tie repeat and miss rows', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 3000, tiedRecords: 1500 }] });
    const truth = [...fake.company(101).records.list({ withDeleted: true })];
    const byTime = new Map<string, number>();
    for (const r of truth) byTime.set(String(r.datetime), (byTime.get(String(r.datetime)) ?? 0) + 1);
    const [tieTime, tied] = [...byTime].sort((a, b) => b[1] - a[1])[0]!;
    expect(tied).toBeGreaterThanOrEqual(1500);
    // a past day about a year before the anchor, still inside the generated span
    expect(Date.parse(tieTime)).toBeLessThan(Date.parse(NOW) - 300 * 86_400_000);
    // sorted as ever, the total unchanged, every id once across the list's positions
    const paged = (await allPages(fake, '/records/101', 1000, { with_deleted: 1 })).rows;
    expect(paged).toHaveLength(3000);
    const times = paged.map((r) => Date.parse(r.datetime));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]!);
    expect(paged.filter((r) => r.datetime === tieTime)).toHaveLength(tied);
    // the tie is longer than a page, so pages of 1,000 over it repeat some rows and miss others
    expect(new Set(paged.map((r) => r.id)).size).toBeLessThan(3000);
    // and a page inside the tie holds different rows on every request
    const start = paged.findIndex((r) => r.datetime === tieTime);
    const page = Math.floor(start / 100) + 2;
    const a = await get(fake, '/records/101', { count: 100, page, with_deleted: 1 });
    const b = await get(fake, '/records/101', { count: 100, page, with_deleted: 1 });
    const ids = (r: typeof a) => r.body.data.map((x: { id: number }) => x.id).sort();
    expect(ids(a)).not.toEqual(ids(b));
  });

  it('records: tiedRecords 0 (the default) leaves the data as it was', async () => {
    const a = makeFake({ companies: [{ id: 101, records: 2000 }] });
    const b = makeFake({ companies: [{ id: 101, records: 2000, tiedRecords: 0 }] });
    const rows = (f: typeof a) => [...f.company(101).records.list({ withDeleted: true })];
    expect(rows(b)).toEqual(rows(a));
    expect(() => makeFake({ companies: [{ id: 101, records: 10, tiedRecords: 11 }] })).toThrow(/tiedRecords/);
  });

  it('records: a window read until its distinct ids reach total_count gets every row', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 5000 }] });
    const query = { start_date: '2024-06-01', end_date: '2024-06-30' };
    const seen = new Set<number>();
    let total = 0;
    for (let pass = 0; pass < 20 && (seen.size < total || pass === 0); pass++) {
      const { rows, totals } = await allPages(fake, '/records/101', 25, query);
      total = totals[0]!;
      for (const r of rows) seen.add(r.id);
    }
    const truth = [...fake.company(101).records.list()].filter(
      (r) => String(r.date) >= '2024-06-01' && String(r.date) < '2024-06-30 23:59:00',
    );
    expect(total).toBe(truth.length);
    expect([...seen].sort()).toEqual(truth.map((r) => r.id).sort());
  });

  it('records: count defaults to 50 and is clamped to 1000', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 2500 }] });
    expect((await get(fake, '/records/101')).body.data).toHaveLength(50);
    expect((await get(fake, '/records/101', { count: 5000 })).body.data).toHaveLength(1000);
  });

  it('transactions: date descending, meta [], every row once when paging to an empty page', async () => {
    const fake = makeFake({ companies: [{ id: 101, transactions: 777 }] });
    const rows = [];
    let requests = 0;
    for (let page = 1; ; page++) {
      const r = await get(fake, '/transactions/101', { page, count: 100 });
      requests++;
      expect(r.body.meta).toEqual([]);
      if (r.body.data.length === 0) break;
      rows.push(...r.body.data);
    }
    const live = [...fake.company(101).transactions.list()];
    expect(rows.map((r) => r.id)).toEqual(
      [...live]
        .sort((a, b) => Date.parse(String(b.date)) - Date.parse(String(a.date)) || b.id - a.id)
        .map((r) => r.id),
    );
    expect(new Set(rows.map((r) => r.id)).size).toBe(live.length);
    expect(requests).toBe(Math.ceil(live.length / 100) + 1);
  });

  it('transactions: a maximum below the requested count breaks "stop on a short page"', async () => {
    const fake = makeFake({ companies: [{ id: 101, transactions: 500 }], limits: { transactions: 120 } });
    const first = await get(fake, '/transactions/101', { count: 200 });
    expect(first.body.data).toHaveLength(120);
    expect((await get(fake, '/transactions/101', { count: 200, page: 2 })).body.data).toHaveLength(120);
  });
});
