import { describe, expect, it } from 'vitest';
import { allPages, call, get, makeFake } from './helpers';

const lcd = (r: Record<string, unknown>) =>
  Date.parse(String(r.last_change_date).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

describe('filters', () => {
  it('clients changed_after / changed_before compare last_change_date; naive values are company-local', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 500 }] });
    const cut = '2024-06-01T00:00:00';
    const cutMs = Date.parse('2024-06-01T00:00:00+03:00');
    const { rows, totals } = await allPages(fake, '/clients/101', 100, { changed_after: cut });
    const truth = [...fake.company(101).clients.list()].filter((r) => lcd(r) >= cutMs);
    expect(truth.length).toBeGreaterThan(0);
    expect(truth.length).toBeLessThan(500);
    expect(totals[0]).toBe(truth.length);
    expect(rows.map((r) => r.id)).toEqual(truth.map((r) => r.id));
    // the same instant written with an offset
    const withOffset = await get(fake, '/clients/101', { changed_after: '2024-05-31T21:00:00Z', count: 1 });
    expect(withOffset.body.meta.total_count).toBe(truth.length);
    const before = await get(fake, '/clients/101', { changed_before: cut, count: 1 });
    expect(before.body.meta.total_count).toBe(500 - truth.length);
  });

  it('clients: an update is found by changed_after at the new clock', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    const id = [...fake.company(101).clients.list()][40]!.id;
    fake.setNow('2025-06-02T09:00:00Z');
    fake.company(101).clients.update(id, { name: 'Новое имя' });
    const r = await get(fake, '/clients/101', { changed_after: '2025-06-02T11:00:00' });
    expect(r.body.data.map((x: { id: number }) => x.id)).toEqual([id]);
    expect(r.body.data[0].last_change_date).toBe('2025-06-02T12:00:00+0300');
  });

  it('clients: paid_min matching nobody returns the unfiltered list (live trap)', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 50 }] });
    const r = await get(fake, '/clients/101', { paid_min: 999_999_999 });
    expect(r.body.meta.total_count).toBe(50);
    const some = await get(fake, '/clients/101', { paid_min: 100_000, count: 300 });
    expect(some.body.meta.total_count).toBeLessThan(50);
    expect(some.body.data.length).toBeGreaterThan(0);
    for (const c of some.body.data) expect(c.spent).toBeGreaterThanOrEqual(100_000);
  });

  it('records: deleted ones only with with_deleted=1', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 2000 }] });
    const plain = await allPages(fake, '/records/101', 1000);
    const all = await allPages(fake, '/records/101', 1000, { with_deleted: 1 });
    expect(plain.rows.some((r) => r.deleted)).toBe(false);
    const deleted = all.rows.filter((r) => r.deleted);
    expect(deleted.length).toBeGreaterThan(10);
    expect(plain.totals[0]! + deleted.length).toBe(2000);
  });

  it('records: start_date/end_date are company-local days and end_date stops at 23:59:00', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 100, timezoneName: 'Asia/Novosibirsk' }] });
    const records = fake.company(101).records;
    const staffId = [...fake.company(101).staff.list()][0]!.id;
    const at = (local: string) => records.insert({ staff_id: staffId, datetime: `${local}+07:00` }).id;
    const early = at('2025-03-10T00:00:00');
    const included = at('2025-03-10T23:58:59');
    const last = at('2025-03-10T23:59:00');
    const tooLate = at('2025-03-10T23:59:30');
    const nextDay = at('2025-03-11T00:00:00');
    const r = await get(fake, '/records/101', {
      start_date: '2025-03-10',
      end_date: '2025-03-10',
      count: 1000,
    });
    const ids = r.body.data.map((x: { id: number }) => x.id);
    expect(ids).toContain(early);
    expect(ids).toContain(included);
    expect(ids).not.toContain(last);
    expect(ids).not.toContain(tooLate);
    expect(ids).not.toContain(nextDay);
    const wider = await get(fake, '/records/101', {
      start_date: '2025-03-10',
      end_date: '2025-03-11',
      count: 1000,
    });
    expect(wider.body.data.map((x: { id: number }) => x.id)).toEqual(expect.arrayContaining([last, tooLate]));
    const row = records.get(last)!;
    expect(row.datetime).toBe('2025-03-10T23:59:00+07:00');
    expect(row.date).toBe('2025-03-10 23:59:00');
  });

  it('records: generated data has visits at 23:59, which a one-day window misses', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 1_000_000 }] });
    let checked = 0;
    for (let d = 10; d < 18; d++) {
      const date = `2025-01-${d}`;
      const next = `2025-01-${d + 1}`;
      const day = await get(fake, '/records/101', { start_date: date, end_date: date, count: 1 });
      const withNext = await allPages(fake, '/records/101', 1000, { start_date: date, end_date: next });
      const sameDay = withNext.rows.filter((r) => String(r.date).startsWith(date));
      const lastMinute = sameDay.filter((r) => String(r.date).startsWith(`${date} 23:59`));
      expect(day.body.meta.total_count).toBe(sameDay.length - lastMinute.length);
      if (lastMinute.length > 0) checked++;
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('records: changed_after, client_id and staff_id', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 3000, clients: 50 }] });
    const all = [...fake.company(101).records.list()];
    const cutMs = Date.parse('2025-05-01T00:00:00+03:00');
    const changed = await allPages(fake, '/records/101', 200, { changed_after: '2025-05-01T00:00:00' });
    expect(changed.rows.map((r) => r.id).sort()).toEqual(
      all
        .filter((r) => lcd(r) >= cutMs)
        .map((r) => r.id)
        .sort(),
    );
    const clientId = (all.find((r) => r.client)!.client as { id: number }).id;
    const byClient = await allPages(fake, '/records/101', 1000, { client_id: clientId });
    expect(byClient.rows.length).toBe(
      all.filter((r) => (r.client as { id: number } | null)?.id === clientId).length,
    );
    const staffId = all[0]!.staff_id as number;
    const byStaff = await allPages(fake, '/records/101', 1000, { staff_id: staffId });
    expect(byStaff.rows.length).toBe(all.filter((r) => r.staff_id === staffId).length);
    const nothing = await get(fake, '/records/101', { changed_after: '2025-06-01T20:00:00' });
    expect(nothing.body.data).toEqual([]);
    expect(nothing.body.meta.total_count).toBe(0);
  });

  it('transactions: inclusive days and the deleted filter (no deleted key on rows)', async () => {
    const fake = makeFake({ companies: [{ id: 101, transactions: 3000 }] });
    const day = await get(fake, '/transactions/101', {
      start_date: '2024-11-05',
      end_date: '2024-11-05',
      count: 200,
    });
    expect(day.body.data.length).toBeGreaterThan(0);
    for (const t of day.body.data) {
      // server time +0400 is one hour ahead of Moscow: the Moscow day is 01:00 to 00:59 next day there
      const local = new Date(
        Date.parse(t.date.replace(/(\d\d)(\d\d)$/, '$1:$2')) + 3 * 3_600_000,
      ).toISOString();
      expect(local.slice(0, 10)).toBe('2024-11-05');
      expect(t).not.toHaveProperty('deleted');
      expect(t.date).toMatch(/\+0400$/);
    }
    const live = (await allPages(fake, '/transactions/101', 200)).rows;
    const gone = [];
    for (let page = 1; ; page++) {
      const r = await get(fake, '/transactions/101', { deleted: 1, page, count: 200 });
      if (r.body.data.length === 0) break;
      gone.push(...r.body.data);
    }
    expect(gone.length).toBeGreaterThan(10);
    expect(live.length + gone.length).toBe(3000);
    const liveIds = new Set(live.map((t) => t.id));
    for (const t of gone) expect(liveIds.has(t.id)).toBe(false);
  });

  it('transactions: changed_after is ignored unless the option turns it on', async () => {
    const off = makeFake({ companies: [{ id: 101, transactions: 300 }] });
    const q = { changed_after: '2025-05-01T00:00:00', count: 200 };
    expect((await get(off, '/transactions/101', q)).body.data).toHaveLength(200);
    const on = makeFake({ companies: [{ id: 101, transactions: 300 }], transactionsChangedAfter: true });
    const rows = (await get(on, '/transactions/101', q)).body.data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(50);
  });

  it('bad dates answer 400 with meta.errors', async () => {
    const fake = makeFake();
    const r = await call(fake, 'GET', '/records/101', { query: { changed_after: 'yesterday' } });
    expect(r.status).toBe(400);
    expect(r.body.success).toBe(false);
    expect(r.body.meta.errors).toHaveProperty('changed_after');
  });
});
