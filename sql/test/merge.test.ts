/**
 * The merge functions, table-driven: each step merges a page (given) and checks the counts and the rows
 * (want). Steps of one entity run in order on one company, so "unchanged" means "same page again".
 */
import { describe, expect, it } from 'vitest';
import { type Counts, type Db, merge, useMigratedDatabase, xmins } from './db';

const db = useMigratedDatabase();

interface Step {
  name: string;
  rows: unknown[];
  want: Partial<Counts>;
  /** Row versions must not move for these ids (no write). */
  untouched?: number[];
  check?: (db: Db, company: number) => Promise<void>;
}

interface Scenario {
  entity: string;
  table: string;
  steps: Step[];
}

const staffRow = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  name: `Мастер ${id}`,
  specialization: 'стилист',
  position_id: 7,
  position_title: 'Стилист',
  fired: false,
  hidden: false,
  deleted: false,
  user_id: null,
  weight: 1,
  api_id: null,
  dismissal_date: null,
  avatar: null,
  raw: { id, name: `Мастер ${id}`, ...over },
  ...over,
});

const clientRow = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  name: `Клиент ${id}`,
  phone: `+7999000${String(id).padStart(4, '0')}`,
  email: null,
  birth_date: '1990-01-02',
  discount: 5,
  sms_check: true,
  visits: 3,
  spent: 1500.5,
  last_change_date: '2024-05-01T10:00:00+03:00',
  custom_fields: { color: 'red' },
  categories: [{ id: 1, title: 'VIP', color: '#f00' }],
  raw: { id, ...over },
  ...over,
});

const recordRow = (id: number, over: Record<string, unknown> = {}) => ({
  id,
  datetime: '2024-05-01T10:00:00+03:00',
  create_date: '2024-04-20T09:00:00+03:00',
  last_change_date: '2024-04-21T09:00:00+03:00',
  seance_length_seconds: 3600,
  attendance: 1,
  confirmed: true,
  paid_full: true,
  online: false,
  deleted: false,
  staff_id: 5,
  staff: { id: 5, name: 'Анна', specialization: 'стилист', position_id: 7, position_title: 'Стилист' },
  client_id: 3,
  client: { id: 3, name: 'Ива', phone: '+79990000003' },
  services: [
    { id: 100, title: 'Стрижка', cost: 1000, first_cost: 1200, discount: 200, amount: 1 },
    { id: 100, title: 'Стрижка', cost: 500, first_cost: 500, discount: 0, amount: 1 },
  ],
  raw: { id, ...over },
  ...over,
});

const scenarios: Scenario[] = [
  {
    entity: 'positions',
    table: 'positions',
    steps: [
      {
        name: 'new rows',
        rows: [
          { id: 1, title: 'A', raw: {} },
          { id: 2, title: 'B', raw: {} },
        ],
        want: { inserted: 2 },
      },
      {
        name: 'same page: no write',
        rows: [
          { id: 1, title: 'A', raw: {} },
          { id: 2, title: 'B', raw: {} },
        ],
        want: { unchanged: 2 },
        untouched: [1, 2],
      },
      {
        name: 'changed row and duplicate ids (last wins)',
        rows: [
          { id: 1, title: 'A2', raw: {} },
          { id: 2, title: 'x', raw: {} },
          { id: 2, title: 'B', raw: {} },
        ],
        want: { updated: 1, unchanged: 1 },
        untouched: [2],
        check: async (db, c) => {
          const rows = await db.query(
            'select id::int, title from yclients.positions where company_id = $1 order by id',
            [c],
          );
          expect(rows).toEqual([
            { id: 1, title: 'A2' },
            { id: 2, title: 'B' },
          ]);
        },
      },
    ],
  },
  {
    entity: 'staff',
    table: 'staff',
    steps: [
      {
        name: 'missing position becomes a stub',
        rows: [staffRow(5), staffRow(6)],
        want: { inserted: 2 },
        check: async (db, c) => {
          expect(
            await db.one('select title, is_stub from yclients.positions where company_id = $1 and id = 7', [
              c,
            ]),
          ).toEqual({
            title: 'Стилист',
            is_stub: true,
          });
        },
      },
      {
        name: 'deleted flag sets deleted_at',
        rows: [staffRow(5, { deleted: true }), staffRow(6)],
        want: { deleted: 1, unchanged: 1 },
        untouched: [6],
      },
      {
        name: 'still deleted: deleted_at kept, no write',
        rows: [staffRow(5, { deleted: true })],
        want: { unchanged: 1 },
        untouched: [5],
      },
      {
        name: 'back again: un-deleted',
        rows: [staffRow(5)],
        want: { updated: 1 },
        check: async (db, c) => {
          expect(
            await db.one('select deleted_at from yclients.staff where company_id = $1 and id = 5', [c]),
          ).toEqual({
            deleted_at: null,
          });
        },
      },
    ],
  },
  {
    entity: 'services',
    table: 'services',
    steps: [
      {
        name: 'new services with staff links; unknown category and staff become stubs',
        rows: [
          {
            id: 100,
            category_id: 9,
            title: 'Стрижка',
            price_min: '1000',
            price_max: 2000,
            duration_seconds: 3600,
            active: 1,
            staff: [
              { staff_id: 5, seance_length_seconds: 3600, price: 1500 },
              { staff_id: 6, seance_length_seconds: 1800, price: null },
            ],
            raw: { v: 1 },
          },
          {
            id: 101,
            category_id: 9,
            title: 'Укладка',
            staff: [{ staff_id: 5, seance_length_seconds: 600 }],
            raw: { v: 1 },
          },
        ],
        want: { inserted: 2 },
        check: async (db, c) => {
          const links = await db.query(
            'select service_id::int, staff_id::int, seance_length, price::float from yclients.service_staff where company_id = $1 order by 1, 2',
            [c],
          );
          expect(links).toEqual([
            { service_id: 100, staff_id: 5, seance_length: 3600, price: 1500 },
            { service_id: 100, staff_id: 6, seance_length: 1800, price: null },
            { service_id: 101, staff_id: 5, seance_length: 600, price: null },
          ]);
          expect(
            await db.query('select id::int, is_stub from yclients.staff where company_id = $1 order by id', [
              c,
            ]),
          ).toEqual([
            { id: 5, is_stub: true },
            { id: 6, is_stub: true },
          ]);
          expect(
            await db.one('select is_stub from yclients.service_categories where company_id = $1 and id = 9', [
              c,
            ]),
          ).toEqual({ is_stub: true });
        },
      },
      {
        name: 'links of the changed service replaced, of the unchanged one untouched',
        rows: [
          {
            id: 100,
            category_id: 9,
            title: 'Стрижка',
            price_min: '1000',
            price_max: 2000,
            duration_seconds: 3600,
            active: 1,
            staff: [{ staff_id: 6, seance_length_seconds: 2400, price: 900 }],
            raw: { v: 2 },
          },
          {
            id: 101,
            category_id: 9,
            title: 'Укладка',
            staff: [{ staff_id: 5, seance_length_seconds: 600 }],
            raw: { v: 1 },
          },
        ],
        want: { updated: 1, unchanged: 1 },
        untouched: [101],
        check: async (db, c) => {
          const links = await db.query(
            'select service_id::int, staff_id::int, seance_length from yclients.service_staff where company_id = $1 order by 1, 2',
            [c],
          );
          expect(links).toEqual([
            { service_id: 100, staff_id: 6, seance_length: 2400 },
            { service_id: 101, staff_id: 5, seance_length: 600 },
          ]);
        },
      },
    ],
  },
  {
    entity: 'client_categories',
    table: 'client_categories',
    steps: [
      {
        name: 'every label, deleted ones soft-deleted',
        rows: [
          { id: 1, title: 'VIP', color: '#f00', deleted: false, raw: {} },
          { id: 2, title: 'Старая', color: null, deleted: true, raw: {} },
        ],
        want: { inserted: 2 },
        check: async (db, c) => {
          const rows = await db.query(
            'select id::int, deleted_at is not null as gone from yclients.client_categories where company_id = $1 order by id',
            [c],
          );
          expect(rows).toEqual([
            { id: 1, gone: false },
            { id: 2, gone: true },
          ]);
        },
      },
    ],
  },
  {
    entity: 'clients',
    table: 'clients',
    steps: [
      {
        // unknown values as the SDK normalises them (the wire's "", "7,5", "0", "0000-00-00 00:00:00", "12", [])
        name: 'new clients, category stubs, links; unknown values null',
        rows: [
          clientRow(1),
          clientRow(2, {
            birth_date: null,
            discount: 7.5,
            sms_check: false,
            last_change_date: null,
            categories: [
              { id: 1, title: 'VIP' },
              { id: 2, title: 'Новый' },
            ],
          }),
          clientRow(3, { birth_date: '1985-12-31', visits: 12, custom_fields: {}, categories: [] }),
        ],
        want: { inserted: 3 },
        check: async (db, c) => {
          const rows = await db.query(
            `select id::int, birth_date::text, discount::float, sms_check, last_change_date is null as no_change, visits
             from yclients.clients where company_id = $1 order by id`,
            [c],
          );
          expect(rows).toEqual([
            { id: 1, birth_date: '1990-01-02', discount: 5, sms_check: true, no_change: false, visits: 3 },
            { id: 2, birth_date: null, discount: 7.5, sms_check: false, no_change: true, visits: 3 },
            { id: 3, birth_date: '1985-12-31', discount: 5, sms_check: true, no_change: false, visits: 12 },
          ]);
          const links = await db.query(
            'select client_id::int, category_id::int from yclients.client_category_links where company_id = $1 order by 1, 2',
            [c],
          );
          expect(links).toEqual([
            { client_id: 1, category_id: 1 },
            { client_id: 2, category_id: 1 },
            { client_id: 2, category_id: 2 },
          ]);
          const cats = await db.query(
            'select id::int, title, is_stub from yclients.client_categories where company_id = $1 order by id',
            [c],
          );
          expect(cats).toEqual([
            { id: 1, title: 'VIP', is_stub: true },
            { id: 2, title: 'Новый', is_stub: true },
          ]);
        },
      },
      {
        name: 'a client drops a category: its links replaced, others untouched',
        rows: [
          clientRow(1),
          clientRow(2, {
            birth_date: null,
            discount: 7.5,
            sms_check: false,
            last_change_date: null,
            categories: [{ id: 2, title: 'Новый' }],
            raw: { v: 2 },
          }),
        ],
        want: { updated: 1, unchanged: 1 },
        untouched: [1, 3],
        check: async (db, c) => {
          const links = await db.query(
            'select client_id::int, category_id::int, xmin::text from yclients.client_category_links where company_id = $1 order by 1, 2',
            [c],
          );
          expect(links.map(({ client_id, category_id }) => ({ client_id, category_id }))).toEqual([
            { client_id: 1, category_id: 1 },
            { client_id: 2, category_id: 2 },
          ]);
        },
      },
    ],
  },
  {
    entity: 'accounts',
    table: 'accounts',
    steps: [
      {
        name: 'new',
        rows: [{ id: 2, title: 'Касса', type: 0, is_cash: true, raw: {} }],
        want: { inserted: 1 },
      },
      {
        name: 'same',
        rows: [{ id: 2, title: 'Касса', type: 0, is_cash: true, raw: {} }],
        want: { unchanged: 1 },
        untouched: [2],
      },
    ],
  },
  {
    entity: 'records',
    table: 'records',
    steps: [
      {
        name: 'new records: staff, client, service and position stubs; two lines of the same service',
        rows: [
          recordRow(10),
          recordRow(11, { staff_id: null, staff: null, client_id: null, client: null, services: [] }),
        ],
        want: { inserted: 2 },
        check: async (db, c) => {
          expect(
            await db.one(
              'select name, is_stub, position_id::int from yclients.staff where company_id = $1 and id = 5',
              [c],
            ),
          ).toEqual({ name: 'Анна', is_stub: true, position_id: 7 });
          expect(
            await db.one(
              'select name, phone, is_stub from yclients.clients where company_id = $1 and id = 3',
              [c],
            ),
          ).toEqual({ name: 'Ива', phone: '+79990000003', is_stub: true });
          expect(
            await db.one('select title, is_stub from yclients.services where company_id = $1 and id = 100', [
              c,
            ]),
          ).toEqual({ title: 'Стрижка', is_stub: true });
          const lines = await db.query(
            'select record_id::int, line_no, service_id::int, cost::float from yclients.record_services where company_id = $1 order by 1, 2',
            [c],
          );
          expect(lines).toEqual([
            { record_id: 10, line_no: 1, service_id: 100, cost: 1000 },
            { record_id: 10, line_no: 2, service_id: 100, cost: 500 },
          ]);
          const r = await db.one<{ datetime: Date; seance_length: number }>(
            'select datetime, seance_length from yclients.records where company_id = $1 and id = 10',
            [c],
          );
          expect(r.datetime.toISOString()).toBe('2024-05-01T07:00:00.000Z');
          expect(r.seance_length).toBe(3600);
        },
      },
      {
        name: 'same page twice in one call: de-duplicated, unchanged',
        rows: [
          recordRow(10),
          recordRow(10),
          recordRow(11, { staff_id: null, staff: null, client_id: null, client: null, services: [] }),
        ],
        want: { unchanged: 2 },
        untouched: [10, 11],
      },
      {
        name: 'a line removed and a record deleted upstream',
        rows: [
          recordRow(10, { services: [{ id: 100, title: 'Стрижка', cost: 900 }], raw: { v: 2 } }),
          recordRow(11, {
            staff_id: null,
            staff: null,
            client_id: null,
            client: null,
            services: [],
            deleted: true,
          }),
        ],
        want: { updated: 1, deleted: 1 },
        check: async (db, c) => {
          const lines = await db.query(
            'select record_id::int, line_no, cost::float from yclients.record_services where company_id = $1 order by 1, 2',
            [c],
          );
          expect(lines).toEqual([{ record_id: 10, line_no: 1, cost: 900 }]);
          expect(
            await db.one(
              'select deleted_at is not null as gone from yclients.records where company_id = $1 and id = 11',
              [c],
            ),
          ).toEqual({ gone: true });
        },
      },
    ],
  },
  {
    entity: 'transactions',
    table: 'financial_transactions',
    steps: [
      {
        name: 'new: expense category upserted, account/client/master/record stubs',
        rows: [
          {
            id: 1,
            date: '2024-05-01T10:00:00+03:00',
            amount: 100.5,
            expense: { id: 8, title: 'Продажа', type: 1 },
            account: { id: 2, title: 'Касса', is_cash: true },
            client: { id: 3, name: 'Ива', phone: '+79990000003' },
            master: { id: 6, title: 'Олег' },
            record_id: 99,
            sold_item_type: null,
            raw: {},
          },
          {
            id: 2,
            date: '2024-05-02T10:00:00+03:00',
            amount: -50,
            expense: { id: 9, title: 'Аренда' },
            account: null,
            client: null,
            master: null,
            record_id: null,
            raw: {},
          },
        ],
        want: { inserted: 2 },
        check: async (db, c) => {
          expect(
            await db.query(
              'select id::int, title, is_stub from yclients.expense_categories where company_id = $1 order by id',
              [c],
            ),
          ).toEqual([
            { id: 8, title: 'Продажа', is_stub: false },
            { id: 9, title: 'Аренда', is_stub: false },
          ]);
          expect(
            await db.one('select title, is_cash, is_stub from yclients.accounts where company_id = $1', [c]),
          ).toEqual({ title: 'Касса', is_cash: true, is_stub: true });
          expect(
            await db.one('select name, is_stub from yclients.staff where company_id = $1 and id = 6', [c]),
          ).toEqual({ name: 'Олег', is_stub: true });
          expect(
            await db.one('select is_stub from yclients.records where company_id = $1 and id = 99', [c]),
          ).toEqual({ is_stub: true });
          const t = await db.query(
            'select id::int, amount::float, record_id, sold_item_type from yclients.financial_transactions where company_id = $1 order by id',
            [c],
          );
          expect(t).toEqual([
            { id: 1, amount: 100.5, record_id: '99', sold_item_type: null },
            { id: 2, amount: -50, record_id: null, sold_item_type: null },
          ]);
        },
      },
    ],
  },
];

describe.each(scenarios.map((s, i) => ({ ...s, company: 1000 + i })))(
  'merge_$entity',
  ({ entity, table, steps, company }) => {
    it.each(steps.map((s, i) => ({ ...s, i })))('$i. $name', async (step) => {
      const before = await xmins(db, table, company);
      const got = await merge(db, entity, company, step.rows);
      expect(got).toEqual({ inserted: 0, updated: 0, unchanged: 0, deleted: 0, ...step.want });
      const after = await xmins(db, table, company);
      for (const id of step.untouched ?? [])
        expect(after[String(id)], `xmin of ${id}`).toBe(before[String(id)]);
      await step.check?.(db, company);
    });
  },
);

describe('stubs', () => {
  it('a full row replaces a stub, and a later stub reference leaves the full row alone', async () => {
    const c = 2001;
    await merge(db, 'records', c, [recordRow(1)]);
    expect(
      await db.one('select is_stub from yclients.clients where company_id = $1 and id = 3', [c]),
    ).toEqual({ is_stub: true });
    expect(await merge(db, 'clients', c, [clientRow(3)])).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      deleted: 0,
    });
    const full = await db.one<{ xmin: string }>(
      'select xmin::text, is_stub, name from yclients.clients where company_id = $1 and id = 3',
      [c],
    );
    expect(full).toMatchObject({ is_stub: false, name: 'Клиент 3' });
    await merge(db, 'records', c, [recordRow(2)]);
    expect(
      await db.one(
        'select xmin::text, is_stub, name from yclients.clients where company_id = $1 and id = 3',
        [c],
      ),
    ).toEqual(full);
  });
});

describe('bookkeeping', () => {
  it('writes sync_state in the same call, adds run counters and remembers seen ids', async () => {
    const c = 3001;
    const { id: run } = await db.one<{ id: number }>(
      'insert into yclients_sync.sync_runs default values returning id::int',
    );
    await merge(
      db,
      'positions',
      c,
      [
        { id: 1, title: 'A' },
        { id: 1, title: 'A' },
        { id: 2, title: 'B' },
      ],
      {
        run,
        state: { last_id: 2, last_ordinal: 2, page_size: 200, cursor: { page: 1 } },
        refresh: 42,
      },
    );
    await merge(
      db,
      'positions',
      c,
      [
        { id: 2, title: 'B2' },
        { id: 3, title: 'C' },
      ],
      {
        run,
        state: { last_id: 3, last_ordinal: 4, cursor: { page: 2 } },
        refresh: 42,
      },
    );
    expect(
      await db.one(
        'select last_id::int, last_ordinal::int, page_size, cursor, status from yclients_sync.sync_state where company_id = $1 and entity = $2',
        [c, 'positions'],
      ),
    ).toEqual({ last_id: 3, last_ordinal: 4, page_size: 200, cursor: { page: 2 }, status: 'in_progress' });
    expect(
      await db.one(
        `select pages, rows_fetched::int, inserted::int, updated::int, unchanged::int, deleted::int
         from yclients_sync.sync_run_entities where run_id = $1 and company_id = $2 and entity = 'positions'`,
        [run, c],
      ),
    ).toEqual({ pages: 2, rows_fetched: 5, inserted: 3, updated: 1, unchanged: 0, deleted: 0 });
    expect(
      await db.query(
        'select id::int from yclients_staging.seen_ids where company_id = $1 and refresh_id = 42 order by id',
        [c],
      ),
    ).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('rolls back the rows when the checkpoint cannot be written (one transaction)', async () => {
    const c = 3002;
    await expect(
      merge(db, 'positions', c, [{ id: 1, title: 'A' }], { state: { status: 'bogus' } }),
    ).rejects.toThrow(/check/);
    expect(await db.query('select 1 from yclients.positions where company_id = $1', [c])).toEqual([]);
  });
});

describe('finish_refresh', () => {
  it('soft-deletes exactly the rows not seen, and clears the seen ids', async () => {
    const c = 4001;
    await merge(db, 'clients', c, [clientRow(1), clientRow(2), clientRow(3)]);
    await merge(db, 'clients', c, [clientRow(1), clientRow(3)], { refresh: 7 });
    const before = await xmins(db, 'clients', c);
    expect(
      await db.one(
        'select deleted as n from yclients_sync.finish_refresh($1, $2, $3, p_reread => true, p_confirmed => true)',
        [c, 'clients', 7],
      ),
    ).toEqual({
      n: 1,
    });
    const after = await xmins(db, 'clients', c);
    expect(after['1']).toBe(before['1']);
    expect(after['3']).toBe(before['3']);
    expect(
      await db.query(
        'select id::int from yclients.clients where company_id = $1 and deleted_at is not null',
        [c],
      ),
    ).toEqual([{ id: 2 }]);
    expect(await db.query('select 1 from yclients_staging.seen_ids where company_id = $1', [c])).toEqual([]);
    // it comes back: un-deleted
    expect(await merge(db, 'clients', c, [clientRow(2)])).toMatchObject({ updated: 1 });
    expect(
      await db.query(
        'select id::int from yclients.clients where company_id = $1 and deleted_at is not null',
        [c],
      ),
    ).toEqual([]);
  });

  it('respects the window [from, to) on records.datetime', async () => {
    const c = 4002;
    const at = (d: string) => ({
      datetime: `${d}T12:00:00+00:00`,
      staff_id: null,
      staff: null,
      client: null,
      client_id: null,
      services: [],
    });
    await merge(db, 'records', c, [
      recordRow(1, at('2024-04-30')),
      recordRow(2, at('2024-05-01')),
      recordRow(3, at('2024-05-15')),
      recordRow(4, at('2024-06-01')),
    ]);
    await merge(db, 'records', c, [recordRow(2, at('2024-05-01'))], { refresh: 8 });
    const n = await db.one(
      'select deleted as n from yclients_sync.finish_refresh($1, $2, $3, $4, $5, p_reread => true, p_confirmed => true)',
      [c, 'records', 8, '2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z'],
    );
    expect(n).toEqual({ n: 1 });
    expect(
      await db.query(
        'select id::int from yclients.records where company_id = $1 and deleted_at is not null',
        [c],
      ),
    ).toEqual([{ id: 3 }]);
  });

  it('reconciles a transactions window', async () => {
    const c = 4003;
    const tx = (id: number, date: string) => ({
      id,
      date: `${date}T10:00:00+03:00`,
      amount: 10,
      expense: { id: 1, title: 'E' },
    });
    await merge(db, 'transactions', c, [tx(1, '2024-05-01'), tx(2, '2024-05-02'), tx(3, '2024-03-01')]);
    await merge(db, 'transactions', c, [tx(1, '2024-05-01')], { refresh: 9 });
    expect(
      await db.one(
        'select deleted as n from yclients_sync.finish_refresh($1, $2, $3, $4, p_reread => true, p_confirmed => true)',
        [c, 'transactions', 9, '2024-04-01T00:00:00Z'],
      ),
    ).toEqual({ n: 1 });
    expect(
      await db.query(
        'select id::int from yclients.financial_transactions where company_id = $1 and deleted_at is not null',
        [c],
      ),
    ).toEqual([{ id: 2 }]);
    // expense categories stay
    expect(
      await db.query(
        'select id::int from yclients.expense_categories where company_id = $1 and deleted_at is null',
        [c],
      ),
    ).toEqual([{ id: 1 }]);
  });

  it('rejects an unknown entity and a window on an entity without time', async () => {
    await expect(db.query("select yclients_sync.finish_refresh(1, 'nope', 1)")).rejects.toThrow(
      /unknown entity/,
    );
    await expect(db.query("select yclients_sync.finish_refresh(1, 'clients', 1, now())")).rejects.toThrow(
      /no time window/,
    );
  });
});
