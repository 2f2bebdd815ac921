import { describe, expect, it } from 'vitest';
import { allPages, call, get, makeFake } from './helpers';

describe('mutations', () => {
  it('a record that vanishes is in no answer, not even with the deleted ones, and lowers the count', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 200 }] });
    const records = [...fake.company(101).records.list()];
    const victim = records[50]!;
    const total = (await get(fake, '/records/101', { count: 1 })).body.meta.total_count;
    expect(fake.company(101).records.vanish(victim.id)).toBe(true);
    expect(fake.company(101).records.vanish(victim.id)).toBe(false);
    expect((await get(fake, '/records/101', { count: 1 })).body.meta.total_count).toBe(total - 1);
    const changed = await get(fake, '/records/101', {
      count: 1000,
      changed_after: '2000-01-01T00:00:00',
      with_deleted: 1,
    });
    expect(changed.body.data.length).toBeGreaterThan(0);
    // not even listed with the deleted ones: nothing says it went
    expect(changed.body.data.filter((r: { id: number }) => r.id === victim.id)).toEqual([]);
  });

  it('deleting early clients shifts later rows to earlier pages', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    const before = (await get(fake, '/clients/101', { page: 2, count: 20 })).body.data;
    const ids = [...fake.company(101).clients.list()].map((r) => r.id);
    expect(fake.company(101).clients.delete(ids[3]!)).toBe(true);
    expect(fake.company(101).clients.delete(ids[7]!)).toBe(true);
    expect(fake.company(101).clients.delete(ids[7]!)).toBe(false);
    const after = await get(fake, '/clients/101', { page: 2, count: 20 });
    expect(after.body.meta.total_count).toBe(98);
    expect(after.body.data[0].id).toBe(before[2].id);
    expect(after.body.data.map((r: { id: number }) => r.id)).toEqual(
      ids.filter((_, i) => i !== 3 && i !== 7).slice(20, 40),
    );
    expect((await get(fake, `/client/101/${ids[3]}`)).status).toBe(404);
  });

  it('clients over the API: create, read, update (bumps last_change_date), delete', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 10 }] });
    fake.setNow('2025-06-03T07:00:00Z');
    const created = await call(fake, 'POST', '/clients/101', {
      body: { name: 'Вера', phone: '+79990001122', categories: [700000] },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data.categories).toEqual([{ id: 700000, title: 'VIP', color: '#f44336' }]);
    expect(created.body.data.last_change_date).toBe('2025-06-03T10:00:00+0300');
    const list = await get(fake, '/clients/101', { count: 300 });
    expect(list.body.data.at(-1).id).toBe(id);
    fake.setNow('2025-06-04T07:00:00Z');
    const updated = await call(fake, 'PUT', `/client/101/${id}`, { body: { email: 'vera@example.ru' } });
    expect(updated.body.data).toMatchObject({
      name: 'Вера',
      email: 'vera@example.ru',
      last_change_date: '2025-06-04T10:00:00+0300',
    });
    expect((await call(fake, 'DELETE', `/client/101/${id}`)).status).toBe(204);
    expect((await get(fake, `/client/101/${id}`)).status).toBe(404);
    expect((await call(fake, 'POST', '/clients/101', { body: {} })).status).toBe(422);
  });

  it('records: insert appears in its window, update moves it, delete flags it', async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 500 }] });
    const co = fake.company(101);
    const staffId = [...co.staff.list()][1]!.id;
    const clientId = [...co.clients.list()][0]!.id;
    fake.setNow('2025-06-01T13:00:00Z');
    const row = co.records.insert({
      staff_id: staffId,
      client_id: clientId,
      datetime: '2025-06-10T12:00:00+03:00',
      services: [300001],
    });
    expect(row).toMatchObject({ staff_id: staffId, date: '2025-06-10 12:00:00', deleted: false });
    expect((row.client as { id: number }).id).toBe(clientId);
    expect((row.services as { id: number }[])[0]!.id).toBe(300001);
    const inWindow = await get(fake, '/records/101', {
      start_date: '2025-06-10',
      end_date: '2025-06-10',
      count: 1000,
    });
    expect(inWindow.body.data.map((r: { id: number }) => r.id)).toContain(row.id);
    fake.setNow('2025-06-01T14:00:00Z');
    co.records.update(row.id, { datetime: '2025-06-12T09:00:00+03:00' });
    const moved = await get(fake, '/records/101', {
      start_date: '2025-06-12',
      end_date: '2025-06-12',
      count: 1000,
    });
    expect(moved.body.data.map((r: { id: number }) => r.id)).toContain(row.id);
    const changed = await get(fake, '/records/101', { changed_after: '2025-06-01T16:30:00' });
    expect(changed.body.data.map((r: { id: number }) => r.id)).toEqual([row.id]);
    // a base record changed: it leaves its place in the generated order and is found by changed_after
    const base = [...co.records.list()][100]!;
    co.records.update(base.id, { comment: 'перенос' });
    expect((await call(fake, 'DELETE', `/record/101/${row.id}`)).status).toBe(204);
    const after = await get(fake, '/records/101', { changed_after: '2025-06-01T16:30:00', with_deleted: 1 });
    const byId = new Map(after.body.data.map((r: { id: number; deleted: boolean }) => [r.id, r]));
    expect(byId.get(row.id)).toMatchObject({ deleted: true });
    expect(byId.get(base.id)).toMatchObject({ comment: 'перенос', deleted: false });
    const live = await get(fake, '/records/101', { changed_after: '2025-06-01T16:30:00' });
    expect(live.body.data.map((r: { id: number }) => r.id)).toEqual([base.id]);
    // every page together still holds every row exactly once by position
    const all = await allPages(fake, '/records/101', 1000, { with_deleted: 1 });
    expect(all.rows).toHaveLength(501);
  });

  it('transactions: insert, update, delete (moves to deleted=1)', async () => {
    const fake = makeFake({ companies: [{ id: 101, transactions: 50 }] });
    const co = fake.company(101);
    const t = co.transactions.insert({
      amount: -1500,
      expense_id: 101,
      account_id: 900001,
      date: '2025-05-30T10:00:00+03:00',
    });
    expect(t).toMatchObject({
      amount: -1500,
      expense: { id: 101, title: 'Аренда' },
      account: { id: 900001, is_cash: false },
      record_id: 0,
      client: [],
      master: [],
      supplier: [],
    });
    expect(t.date).toBe('2025-05-30T11:00:00+0400');
    const day = await get(fake, '/transactions/101', { start_date: '2025-05-30', end_date: '2025-05-30' });
    expect(day.body.data.map((r: { id: number }) => r.id)).toContain(t.id);
    co.transactions.update(t.id, { amount: -1700 });
    expect(co.transactions.get(t.id)!.amount).toBe(-1700);
    co.transactions.delete(t.id);
    const gone = await get(fake, '/transactions/101', { start_date: '2025-05-30', end_date: '2025-05-30' });
    expect(gone.body.data.map((r: { id: number }) => r.id)).not.toContain(t.id);
    const deleted = await get(fake, '/transactions/101', {
      start_date: '2025-05-30',
      end_date: '2025-05-30',
      deleted: 1,
    });
    expect(deleted.body.data.map((r: { id: number }) => r.id)).toContain(t.id);
  });

  it('catalogs: staff, services, labels (deleted labels stay listed)', async () => {
    const fake = makeFake();
    const co = fake.company(101);
    const staff = co.staff.insert({ name: 'Новый Мастер' });
    expect((await get(fake, '/company/101/staff')).body.data.map((s: { id: number }) => s.id)).toContain(
      staff.id,
    );
    co.staff.update(staff.id, { fired: 1, is_fired: true });
    expect((await get(fake, `/company/101/staff/${staff.id}`)).body.data.fired).toBe(1);
    co.staff.delete(staff.id);
    expect((await get(fake, `/company/101/staff/${staff.id}`)).status).toBe(404);
    const svc = [...co.services.list()][0]!;
    co.services.update(svc.id, { price_min: 9999 });
    expect((await get(fake, `/company/101/services/${svc.id}`)).body.data.price_min).toBe(9999);
    co.services.delete(svc.id);
    const services = await get(fake, '/company/101/services');
    expect(services.body.meta.total_count).toBe(29);
    const label = co.labels.insert({ title: 'Новая метка', deleted: 0 });
    co.labels.delete(label.id);
    const labels = await get(fake, '/labels/101/client');
    expect(labels.body.data.find((l: { id: number }) => l.id === label.id)).toMatchObject({ deleted: 1 });
    expect(labels.body.meta).toEqual([]);
  });

  it('reset undoes mutations, faults and the log', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 10 }] });
    fake.company(101).clients.delete([...fake.company(101).clients.list()][0]!.id);
    fake.faults.failNext(5);
    await get(fake, '/clients/101');
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(fake.company(101).clients.count()).toBe(10);
    expect((await get(fake, '/clients/101')).status).toBe(200);
  });

  it('the control endpoint drives the simulator over HTTP', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 10 }] });
    const server = await fake.listen();
    const control = server.url.replace(/\/api\/v1$/, '/__control');
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${control}${path}`, {
        method,
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      }).then((r) => r.json());
    try {
      const created = await post('/companies/101/clients', { name: 'Пётр' });
      expect(created.name).toBe('Пётр');
      expect((await post(`/companies/101/clients/${created.id}`, { name: 'Павел' }, 'PATCH')).name).toBe(
        'Павел',
      );
      const listed = await fetch(`${control}/companies/101/clients?limit=3`).then((r) => r.json());
      expect(listed.count).toBe(11);
      expect(listed.rows).toHaveLength(3);
      expect(await post(`/companies/101/clients/${created.id}`, {}, 'DELETE')).toEqual({ deleted: true });
      await post('/faults', { kind: 'status', n: 1, status: 500, path: '/clients/' });
      const headers = { Authorization: 'Bearer partner-token, User user-token' };
      expect((await fetch(`${server.url}/clients/101`, { headers })).status).toBe(500);
      expect((await fetch(`${server.url}/clients/101`, { headers })).status).toBe(200);
      await post('/now', { now: '2025-07-01T00:00:00Z' });
      expect(fake.now().toISOString()).toBe('2025-07-01T00:00:00.000Z');
      const log = await fetch(`${control}/requests?path=/clients/{company_id}`).then((r) => r.json());
      expect(log.count).toBe(2);
      await post('/reset', {});
      expect(fake.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
