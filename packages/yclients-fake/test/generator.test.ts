import { describe, expect, it } from 'vitest';
import { call, get, makeFake } from './helpers';

describe('generator', () => {
  it('is deterministic: the same seed gives the same data, another seed other data', async () => {
    const a = makeFake({ seed: 7, companies: [{ id: 101, clients: 300, records: 2000, transactions: 500 }] });
    const b = makeFake({ seed: 7, companies: [{ id: 101, clients: 300, records: 2000, transactions: 500 }] });
    const c = makeFake({ seed: 8, companies: [{ id: 101, clients: 300, records: 2000, transactions: 500 }] });
    for (const path of ['/clients/101', '/transactions/101', '/company/101/services', '/company/101/staff']) {
      expect((await get(a, path, { count: 100 })).body).toEqual((await get(b, path, { count: 100 })).body);
    }
    const sortById = (rows: { id: number }[]) => [...rows].sort((x, y) => x.id - y.id);
    const ra = (await get(a, '/records/101', { count: 1000, page: 2 })).body.data;
    const rb = (await get(b, '/records/101', { count: 1000, page: 2 })).body.data;
    expect(sortById(ra)).toEqual(sortById(rb));
    expect((await get(a, '/clients/101', { count: 100 })).body).not.toEqual(
      (await get(c, '/clients/101', { count: 100 })).body,
    );
    expect([...a.company(101).clients.list()]).toEqual([...b.company(101).clients.list()]);
  });

  it('carries the quirks real payloads show', () => {
    const fake = makeFake({
      companies: [{ id: 101, clients: 2000, records: 3000, transactions: 1000, staff: 20 }],
    });
    const co = fake.company(101);
    const clients = [...co.clients.list()];
    const phones = clients.map((c) => c.phone);
    expect(phones.some((p) => typeof p === 'number')).toBe(true);
    expect(phones.some((p) => typeof p === 'string' && p.startsWith('+7'))).toBe(true);
    expect(phones.some((p) => typeof p === 'string' && /^8\d{10}$/.test(p))).toBe(true);
    expect(phones.some((p) => typeof p === 'string' && /^9\d{9}$/.test(p))).toBe(true);
    const births = new Set(
      clients.map((c) =>
        typeof c.birth_date === 'string' && c.birth_date.length === 10 && c.birth_date !== '1970-01-01'
          ? 'date'
          : c.birth_date,
      ),
    );
    expect(births).toEqual(new Set(['date', '', 0, '1970-01-01']));
    expect(clients.some((c) => Array.isArray(c.custom_fields))).toBe(true);
    expect(clients.some((c) => !Array.isArray(c.custom_fields))).toBe(true);
    expect(clients.some((c) => Array.isArray(c.categories) && c.categories.length > 0)).toBe(true);
    expect(clients.some((c) => typeof c.discount === 'number' && !Number.isInteger(c.discount * 100))).toBe(
      true,
    );
    expect(
      clients.every((c) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0300$/.test(String(c.last_change_date))),
    ).toBe(true);

    const staff = [...co.staff.list()];
    expect(staff.some((s) => Array.isArray(s.position))).toBe(true);
    expect(staff.some((s) => s.fired === 1 && s.dismissal_date)).toBe(true);
    const labels = [...co.labels.list()];
    expect(labels.some((l) => l.deleted === 1)).toBe(true);

    const records = [...co.records.list({ withDeleted: true })];
    expect(records.some((r) => typeof r.visit_id === 'string')).toBe(true);
    expect(records.some((r) => r.client === null)).toBe(true);
    expect(records.some((r) => r.deleted === true)).toBe(true);
    expect(new Set(records.map((r) => r.attendance))).toEqual(new Set([-1, 0, 1, 2]));
    expect(
      records.every((r) => /\+03:00$/.test(String(r.datetime)) && /\+0300$/.test(String(r.create_date))),
    ).toBe(true);
    const anchor = Date.parse('2025-06-01T12:00:00Z');
    expect(records.some((r) => Date.parse(String(r.datetime)) > anchor)).toBe(true);
    expect(Math.min(...records.map((r) => Date.parse(String(r.datetime))))).toBeLessThan(
      anchor - 700 * 86_400_000,
    );

    const transactions = [...co.transactions.list()];
    expect(transactions.some((t) => Number(t.amount) < 0)).toBe(true);
    expect(transactions.some((t) => t.record_id === 0 && t.visit_id === 0)).toBe(true);
    expect(transactions.some((t) => Array.isArray(t.master))).toBe(true);
    expect(transactions.some((t) => Array.isArray(t.client))).toBe(true);
    expect(transactions.every((t) => /\+0400$/.test(String(t.date)))).toBe(true);
    const linked = transactions.find((t) => Number(t.record_id) > 0)!;
    expect(co.records.get(Number(linked.record_id))).toBeDefined();
  });

  it('legacyStrings makes every id, amount and flag a string', async () => {
    const fake = makeFake({ legacyStrings: true });
    const t = (await get(fake, '/transactions/101', { count: 5 })).body.data[0];
    expect(typeof t.id).toBe('string');
    expect(t.amount).toMatch(/^-?\d+\.\d\d$/);
    const s = (await get(fake, '/company/101/staff')).body.data[0];
    expect(s.fired).toBe('0');
    const body = (await get(fake, '/clients/101')).body;
    expect(typeof body.meta.total_count).toBe('number');
  });

  it('a 1,000,000-record company answers page 500 without materialising rows', async () => {
    const fake = makeFake({
      companies: [{ id: 101, clients: 1_000_000, records: 1_000_000, transactions: 1_000_000 }],
    });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const page = await get(fake, '/records/101', { page: 500, count: 1000 });
    expect(page.body.data).toHaveLength(1000);
    expect(page.body.meta.total_count).toBeGreaterThan(970_000);
    const clients = await get(fake, '/clients/101', { page: 3000, count: 300 });
    expect(clients.body.data).toHaveLength(300);
    expect(clients.body.meta.total_count).toBe(1_000_000);
    const last = await get(fake, '/transactions/101', { page: 4800, count: 200 });
    expect(last.body.data.length).toBeGreaterThan(0);
    // lazy by design: nothing is held per row, only mutations
    expect(fake.company(101).mutationCount()).toBe(0);
    // 1,000,000 materialised records would be gigabytes; a page is a few megabytes
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    // a mutation deep in the list costs one entry and is visible at once
    const victim = page.body.data[10].id;
    fake.company(101).records.delete(victim);
    expect(fake.company(101).mutationCount()).toBe(1);
    const again = await get(fake, '/records/101', { page: 500, count: 1000 });
    expect(again.body.data.map((r: { id: number }) => r.id)).not.toContain(victim);
  });
});

describe('clients search', () => {
  it('pages with page_size (default 25, max 200) and projects only known fields', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 450 }] });
    const first = await call(fake, 'POST', '/company/101/clients/search', { body: {} });
    expect(first.body.data).toHaveLength(25);
    expect(Object.keys(first.body.data[0])).toEqual(['id']);
    expect(first.body.meta).toEqual({ total_count: 450 });
    const big = await call(fake, 'POST', '/company/101/clients/search', {
      body: {
        page: 3,
        page_size: 500,
        fields: ['id', 'name', 'phone', 'categories', 'birth_date', 'last_change_date', 'visits_count'],
      },
    });
    expect(big.body.data).toHaveLength(50);
    expect(Object.keys(big.body.data[0]).sort()).toEqual(['id', 'name', 'phone', 'visits_count']);
  });

  it('honours order_by / order_by_direction and id filters', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 120 }] });
    const desc = await call(fake, 'POST', '/company/101/clients/search', {
      body: { order_by: 'id', order_by_direction: 'desc', page_size: 5 },
    });
    const ids = [...fake.company(101).clients.list()].map((c) => c.id);
    expect(desc.body.data.map((c: { id: number }) => c.id)).toEqual(ids.slice(-5).reverse());
    const bySold = await call(fake, 'POST', '/company/101/clients/search', {
      body: {
        order_by: 'sold_amount',
        order_by_direction: 'DESC',
        page_size: 200,
        fields: ['id', 'sold_amount'],
      },
    });
    const sold = bySold.body.data.map((c: { sold_amount: number }) => c.sold_amount);
    expect(sold).toEqual([...sold].sort((x, y) => y - x));
    const filtered = await call(fake, 'POST', '/company/101/clients/search', {
      body: { filters: [{ type: 'id', state: { value: [ids[0], ids[5]] } }] },
    });
    expect(filtered.body.data.map((c: { id: number }) => c.id)).toEqual([ids[0], ids[5]]);
    const bad = await call(fake, 'POST', '/company/101/clients/search', {
      body: { filters: [{ type: 'nonsense', state: {} }] },
    });
    expect(bad.status).toBe(400);
  });
});
