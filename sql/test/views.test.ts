/** The analytics views return what sql/README.md says, the analyst role sees only them, and indexes are used. */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();
const C = 1;

async function seed() {
  await merge(db, 'client_categories', C, [
    { id: 1, title: 'VIP', color: 'red' },
    { id: 2, title: 'Новые' },
    { id: 3, title: 'Старая', deleted: true },
  ]);
  await merge(db, 'staff', C, [
    { id: 5, name: 'Анна', position_id: null },
    { id: 6, name: 'Олег', position_id: null },
  ]);
  await merge(db, 'clients', C, [
    { id: 10, name: 'Ива', phone: '+79990000010', categories: [{ id: 1 }, { id: 2 }] },
    { id: 11, name: 'Лев', phone: '+79990000011', categories: [{ id: 2 }, { id: 3 }] },
    { id: 12, name: 'Ушла', phone: '+79990000012', categories: [{ id: 1 }] },
  ]);
  await merge(db, 'clients', C, [{ id: 12, name: 'Ушла', phone: '+79990000012', categories: [{ id: 1 }] }], {
    refresh: 1,
  });
  // nothing seen under 99, confirmed: all gone…
  await db.query(
    "select * from yclients_sync.finish_refresh($1, 'clients', 99, p_reread => true, p_confirmed => true)",
    [C],
  );
  await merge(db, 'clients', C, [
    // …and back, except 12
    { id: 10, name: 'Ива', phone: '+79990000010', categories: [{ id: 1 }, { id: 2 }] },
    { id: 11, name: 'Лев', phone: '+79990000011', categories: [{ id: 2 }, { id: 3 }] },
  ]);
  const rec = (
    id: number,
    staff: number,
    client: number,
    datetime: string,
    attendance: number,
    costs: number[],
  ) => ({
    id,
    datetime,
    staff_id: staff,
    client_id: client,
    attendance,
    services: costs.map((cost, i) => ({ id: 100 + i, title: `Услуга ${i + 1}`, cost })),
  });
  await merge(db, 'records', C, [
    rec(1, 5, 10, '2024-05-01T10:00:00+03:00', 1, [1000, 500]),
    rec(2, 5, 10, '2024-06-01T10:00:00+03:00', 1, [700]),
    rec(3, 5, 11, '2024-06-02T10:00:00+03:00', -1, [300]),
    rec(4, 6, 11, '2024-06-03T10:00:00+03:00', 1, [200]),
    { ...rec(5, 6, 10, '2024-06-04T10:00:00+03:00', 1, [9999]), deleted: true },
  ]);
  await merge(db, 'accounts', C, [
    { id: 1, title: 'Касса', is_cash: true },
    { id: 2, title: 'Р/с', is_cash: false },
  ]);
  await merge(db, 'transactions', C, [
    {
      id: 1,
      date: '2024-05-01T12:00:00+03:00',
      amount: 1500,
      account: { id: 1, title: 'Касса', is_cash: true },
      expense: { id: 5, title: 'Оказание услуг' },
      client: { id: 10 },
      record_id: 1,
      master: { id: 5, title: 'Анна' },
    },
    {
      id: 2,
      date: '2024-06-01T12:00:00+03:00',
      amount: 700,
      account: { id: 2, title: 'Р/с' },
      expense: { id: 5, title: 'Оказание услуг' },
      client: { id: 10 },
      record_id: 2,
    },
  ]);
}

describe('analytics views', () => {
  it('answer the README questions', async () => {
    await seed();

    expect(
      await db.query(
        'select client_id::int, name, categories, category_ids::int[] from analytics.clients where company_id = $1 order by client_id',
        [C],
      ),
    ).toEqual([
      { client_id: 10, name: 'Ива', categories: ['VIP', 'Новые'], category_ids: [1, 2] },
      { client_id: 11, name: 'Лев', categories: ['Новые'], category_ids: [2] },
    ]);

    expect(
      await db.query(
        "select client_id::int, client_name, category_id::int from analytics.clients_by_category where category = 'VIP'",
      ),
    ).toEqual([{ client_id: 10, client_name: 'Ива', category_id: 1 }]);

    expect(
      await db.query(
        `select staff_name, client_name, visits::int, first_visit, last_visit, amount::float
         from analytics.clients_by_staff where company_id = $1 order by staff_name, client_name`,
        [C],
      ),
    ).toEqual([
      {
        staff_name: 'Анна',
        client_name: 'Ива',
        visits: 2,
        first_visit: new Date('2024-05-01T07:00:00Z'),
        last_visit: new Date('2024-06-01T07:00:00Z'),
        amount: 2200,
      },
      {
        staff_name: 'Олег',
        client_name: 'Лев',
        visits: 1,
        first_visit: new Date('2024-06-03T07:00:00Z'),
        last_visit: new Date('2024-06-03T07:00:00Z'),
        amount: 200,
      },
    ]);

    expect(
      await db.query(
        'select record_id::int, staff_name, client_name, services, cost::float, attendance_status from analytics.records where company_id = $1 order by record_id',
        [C],
      ),
    ).toEqual([
      {
        record_id: 1,
        staff_name: 'Анна',
        client_name: 'Ива',
        services: ['Услуга 1', 'Услуга 2'],
        cost: 1500,
        attendance_status: 'came',
      },
      {
        record_id: 2,
        staff_name: 'Анна',
        client_name: 'Ива',
        services: ['Услуга 1'],
        cost: 700,
        attendance_status: 'came',
      },
      {
        record_id: 3,
        staff_name: 'Анна',
        client_name: 'Лев',
        services: ['Услуга 1'],
        cost: 300,
        attendance_status: 'no_show',
      },
      {
        record_id: 4,
        staff_name: 'Олег',
        client_name: 'Лев',
        services: ['Услуга 1'],
        cost: 200,
        attendance_status: 'came',
      },
    ]);

    expect(
      await db.query(
        `select account_title, is_cash, date_trunc('month', date at time zone 'Europe/Moscow')::date::text as month, sum(amount)::float as revenue
         from analytics.transactions where company_id = $1 group by 1, 2, 3 order by 3`,
        [C],
      ),
    ).toEqual([
      { account_title: 'Касса', is_cash: true, month: '2024-05-01', revenue: 1500 },
      { account_title: 'Р/с', is_cash: false, month: '2024-06-01', revenue: 700 },
    ]);
    expect(
      await db.query(
        'select expense_category, client_name, master_name from analytics.transactions where transaction_id = 1',
      ),
    ).toEqual([{ expense_category: 'Оказание услуг', client_name: 'Ива', master_name: 'Анна' }]);

    const { id: run } = await db.one<{ id: number }>(
      'insert into yclients_sync.sync_runs default values returning id::int',
    );
    await merge(db, 'positions', C, [{ id: 1, title: 'A' }], { run, state: { last_id: 1 } });
    await db.query(
      "update yclients_sync.sync_run_entities set status = 'succeeded', finished_at = now() - interval '5 minutes' where run_id = $1",
      [run],
    );
    const health = await db.one<{ lag: { minutes?: number }; last_run_status: string; status: string }>(
      "select status, try_count, last_run_status, lag from analytics.sync_health where company_id = $1 and entity = 'positions'",
      [C],
    );
    expect(health).toMatchObject({ status: 'in_progress', try_count: 0, last_run_status: 'succeeded' });
    expect(health.lag.minutes).toBe(5);
  });
});

describe('analyst role', () => {
  it('reads the views but not the tables, staging or sync state', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('set role analyst');
      await expect(client.query('select count(*) from analytics.clients')).resolves.toBeTruthy();
      await expect(client.query('select count(*) from analytics.sync_health')).resolves.toBeTruthy();
      await expect(client.query('select * from yclients_staging.seen_ids')).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('select * from yclients_sync.sync_state')).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('select * from yclients.clients')).rejects.toThrow(/permission denied/);
      await expect(client.query("select yclients_sync.merge_positions(1, null, '[]')")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  });
});

describe('indexes on 100,000 clients', () => {
  it('"clients in category X" and "clients served by staff Y" use indexes', async () => {
    const c = 77;
    await db.query(
      `insert into yclients.client_categories (company_id, id, title) select $1, g, 'cat ' || g from generate_series(1, 50) g`,
      [c],
    );
    await db.query(
      `insert into yclients.staff (company_id, id, name) select $1, g, 'staff ' || g from generate_series(1, 100) g`,
      [c],
    );
    await db.query(
      `insert into yclients.clients (company_id, id, name, phone)
       select $1, g, 'client ' || g, '+7999' || lpad(g::text, 7, '0') from generate_series(1, 100000) g`,
      [c],
    );
    await db.query(
      `insert into yclients.client_category_links (company_id, client_id, category_id)
       select $1, g, 1 + g % 50 from generate_series(1, 100000) g`,
      [c],
    );
    await db.query(
      `insert into yclients.records (company_id, id, datetime, staff_id, client_id, attendance)
       select $1, g, timestamptz '2024-01-01' + g * interval '5 minutes', 1 + g % 100, 1 + (g * 7919) % 100000, 1
       from generate_series(1, 200000) g`,
      [c],
    );
    await db.query(
      'analyze yclients.clients, yclients.client_category_links, yclients.client_categories, yclients.records, yclients.staff, yclients.record_services',
    );
    const plan = async (q: string) =>
      (await db.query<{ 'QUERY PLAN': string }>(`explain ${q}`)).map((r) => r['QUERY PLAN']).join('\n');

    const byCategory = await plan(
      `select * from analytics.clients_by_category where company_id = ${c} and category = 'cat 7'`,
    );
    expect(byCategory).toMatch(/client_category_links_category_idx/);
    expect(byCategory).not.toMatch(/Seq Scan on client_category_links/);
    expect(byCategory).not.toMatch(/Seq Scan on clients/);

    const byStaff = await plan(
      `select * from analytics.clients_by_staff where company_id = ${c} and staff_id = 7`,
    );
    expect(byStaff).toMatch(/records_staff_client_idx/);
    expect(byStaff).not.toMatch(/Seq Scan on records/);

    const byName = await plan(
      `select * from yclients.clients where company_id = ${c} and name ilike '%ent 4242%'`,
    );
    // a substring search: only the trigram index can serve it (the test servers have pg_trgm, as
    // managed.test.ts checks; the btree prefix fallback cannot serve '%…%')
    expect(byName).toMatch(/clients_name_trgm_idx/);
  }, 120_000);
});
