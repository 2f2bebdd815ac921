/**
 * The row format is stated once. The SDK's normalisers (packages/yclients-sdk/src/normalise, typed by
 * src/types.ts) are the one place that coerces YClients' wire values; each merge_<entity> reads a page
 * with `jsonb_to_recordset(p_rows) as (…)` and its embedded objects and lists with `jsonb_to_record(set)`,
 * and those column lists are the SQL side of the format. Here a sample of every entity, normalised by the
 * SDK with every field set, is held to the column lists of the installed functions: the same keys at
 * every level, values of the column's type, each page and each embedded value read once, and no field
 * coerced by hand. A value the SDK never sends is a data exception (class 22), which the sync quarantines.
 */
import {
  normaliseAccount,
  normaliseClient,
  normaliseClientLabel,
  normalisePosition,
  normaliseRecord,
  normaliseService,
  normaliseServiceCategory,
  normaliseStaff,
  normaliseTransaction,
} from '@yclients-pg/sdk';
import { describe, expect, it } from 'vitest';
import { merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Row = { [key: string]: Json };

const ZONES = { companyTimeZone: 'Europe/Moscow', serverOffset: '+04:00' };

/** Wire rows with every field set, in dependency order, and what the SDK makes of them. */
const SAMPLES: Array<{ entity: string; row: unknown }> = [
  { entity: 'positions', row: normalisePosition({ id: 7, title: 'Стилист' }) },
  {
    entity: 'staff',
    row: normaliseStaff({
      id: 5,
      name: 'Анна',
      specialization: 'стилист',
      position: { id: 7, title: 'Стилист' },
      is_fired: 0,
      hidden: 0,
      is_deleted: 0,
      user_id: 77,
      weight: 3,
      api_id: 'a5',
      dismissal_date: '2024-01-31',
      avatar: 'https://example.ru/a.png',
    }),
  },
  {
    entity: 'service_categories',
    row: normaliseServiceCategory({ id: 9, title: 'Волосы', weight: 2, api_id: 'c9' }),
  },
  {
    entity: 'services',
    row: normaliseService({
      id: 100,
      category_id: 9,
      title: 'Стрижка',
      price_min: '1000',
      price_max: 2000.5,
      duration: 3600,
      active: 1,
      weight: 1,
      comment: 'до плеч',
      api_id: 's100',
      staff: [{ id: 5, seance_length: 2700, price: 1500 }],
    }),
  },
  {
    entity: 'client_categories',
    row: normaliseClientLabel({ id: 1, title: 'VIP', color: 'f00', deleted: 0 }),
  },
  {
    entity: 'clients',
    row: normaliseClient(
      {
        id: 3,
        name: 'Ива',
        surname: 'Петрова',
        patronymic: 'Сергеевна',
        phone: '89990000003',
        email: 'iva@example.ru',
        card: '100003',
        birth_date: '1990-01-02',
        comment: 'утро',
        discount: '7,5',
        sex_id: 2,
        sex: 'Женский',
        sms_check: 1,
        sms_bot: '0',
        sms_not: 0,
        balance: 100,
        importance_id: 1,
        importance: 'Бронза',
        spent: 1500.5,
        visits: '3',
        last_change_date: '2024-05-01 10:00:00',
        custom_fields: { color: 'red' },
        categories: [{ id: 1, title: 'VIP', color: '#f00' }],
      },
      ZONES,
    ),
  },
  {
    entity: 'accounts',
    row: normaliseAccount({ id: 2, title: 'Касса', type: 0, is_cash: 1, comment: 'у входа' }),
  },
  {
    entity: 'records',
    row: normaliseRecord(
      {
        id: 10,
        datetime: '2024-05-01T10:00:00+03:00',
        create_date: '2024-04-20 09:00:00',
        last_change_date: '2024-04-21T09:00:00+0300',
        seance_length: 3600,
        attendance: 1,
        visit_attendance: 1,
        confirmed: 1,
        paid_full: 1,
        payment_status: 2,
        online: false,
        comment: 'по телефону',
        deleted: false,
        visit_id: 500,
        staff_id: 5,
        staff: { id: 5, name: 'Анна', specialization: 'стилист', position: { id: 7, title: 'Стилист' } },
        client_id: 3,
        client: { id: 3, name: 'Ива', surname: 'Петрова', phone: '89990000003', email: 'iva@example.ru' },
        services: [
          {
            id: 100,
            title: 'Стрижка',
            cost: 900,
            first_cost: 1000,
            discount: 10,
            amount: 1,
            cost_per_unit: 1000,
            manual_cost: 900,
          },
        ],
        documents: [{ id: 1 }],
      },
      ZONES,
    ),
  },
  {
    entity: 'transactions',
    row: normaliseTransaction(
      {
        id: 1,
        date: '2024-05-01 12:00:00',
        amount: '100.50',
        comment: 'оплата',
        document_id: 44,
        last_change_date: '2024-05-01 12:01:00',
        record_id: 10,
        visit_id: 500,
        sold_item_id: 100,
        sold_item_type: 'service',
        expense: { id: 8, title: 'Оказание услуг', type: 1 },
        account: { id: 2, title: 'Касса', is_cash: 1 },
        client: { id: 3, name: 'Ива', phone: '89990000003' },
        master: { id: 5, title: 'Анна' },
        supplier: { id: 9, title: 'ООО Краски' },
      },
      ZONES,
    ),
  },
];

type Column = { name: string; type: string };

/**
 * The column lists of a function's jsonb_to_record(set) calls, by what they read: '' for the page
 * (p_rows), else the key of the embedded value (`s.staff` → 'staff'). Every read is listed, so a value
 * read twice shows up twice.
 */
function columnLists(definition: string): Array<{ source: string; columns: Column[] }> {
  const out: Array<{ source: string; columns: Column[] }> = [];
  const call = /jsonb_to_record(?:set)?\(\s*([\w.]+)\s*\)\s+as\s+(?:\w+\s*)?\(/g;
  for (let m = call.exec(definition); m; m = call.exec(definition)) {
    let depth = 1;
    let i = call.lastIndex;
    for (; i < definition.length && depth > 0; i++) {
      if (definition[i] === '(') depth++;
      else if (definition[i] === ')') depth--;
    }
    const body = definition.slice(call.lastIndex, i - 1);
    const columns = body.split(',').map((part) => {
      const [name = '', ...type] = part.trim().split(/\s+/);
      return { name, type: type.join(' ') };
    });
    const arg = m[1] ?? '';
    out.push({ source: arg === 'p_rows' ? '' : (arg.split('.').pop() ?? arg), columns });
  }
  return out;
}

function isObject(value: Json | undefined): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Does a normalised value fit a column of this type (what jsonb_to_recordset accepts without error)? */
function fits(value: Json, type: string): boolean {
  if (value === null) return true;
  switch (type) {
    case 'bigint':
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'numeric':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'text':
      return typeof value === 'string' || typeof value === 'number';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case 'timestamptz':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+[+-]\d{2}:\d{2}$/.test(value);
    case 'jsonb':
      return true;
    default:
      return false;
  }
}

/** Leaves of a value that are null: a sample must set every field, or it proves nothing about it. */
function nullPaths(value: Json, path = ''): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (isObject(value))
    return Object.entries(value).flatMap(([k, v]) => nullPaths(v, path ? `${path}.${k}` : k));
  return [];
}

async function definition(entity: string): Promise<string> {
  const [row] = await db.query<{ def: string }>('select pg_get_functiondef($1::regproc) as def', [
    `yclients_sync.merge_${entity}`,
  ]);
  return row?.def ?? '';
}

describe('the row format: SDK types = the columns the merge functions read', () => {
  it.each(SAMPLES)('$entity', async ({ entity, row: normalised }) => {
    const row = normalised as Row;
    expect(nullPaths(row), 'the sample leaves fields null').toEqual([]);
    const def = await definition(entity);
    const lists = columnLists(def);
    // the page is read once, into typed columns; each embedded object or list at most once more
    const sources = lists.map((l) => l.source);
    expect(
      sources.filter((s) => s === ''),
      'reads of the page',
    ).toHaveLength(1);
    expect(new Set(sources).size, `each value read once: ${sources.join(', ')}`).toBe(sources.length);
    // no field coerced by hand: no json_* helper, no -> / ->> on the rows
    expect(def).not.toMatch(/yclients_sync\.json_\w+\(|jsonb_array_elements|->>?/);

    const byKey = new Map(lists.map((l) => [l.source, l.columns]));
    const check = (level: string, value: Row) => {
      const columns = byKey.get(level) ?? [];
      expect(columns.map((c) => c.name).sort(), `columns read for ${level || 'the row'}`).toEqual(
        Object.keys(value).sort(),
      );
      for (const { name, type } of columns) {
        const v = value[name] as Json;
        expect(fits(v, type), `${level ? `${level}.` : ''}${name}: ${JSON.stringify(v)} as ${type}`).toBe(
          true,
        );
        // an embedded object or list of objects is read by a column list of its own (raw and
        // custom_fields are stored as they are)
        const inner = Array.isArray(v) ? v[0] : v;
        if (type === 'jsonb' && isObject(inner) && byKey.has(name)) check(name, inner);
      }
    };
    check('', row);
    // every column list is for the page or for something the row embeds
    for (const source of byKey.keys())
      if (source !== '') expect(Object.keys(row), `${source} is a key of the row`).toContain(source);

    // and the values survive the typed read: the same column list, applied to the sample
    const top = byKey.get('') ?? [];
    const [read] = await db.query<{ r: Row }>(
      `select to_jsonb(r) as r from jsonb_to_recordset($1::jsonb) as r(${top.map((c) => `${c.name} ${c.type}`).join(', ')})`,
      [JSON.stringify([row])],
    );
    for (const { name, type } of top) {
      const want = row[name] as Json;
      const got = read?.r[name] as Json;
      if (type === 'timestamptz') expect(Date.parse(String(got)), name).toBe(Date.parse(String(want)));
      else if (type === 'text') expect(got, name).toBe(String(want));
      else expect(got, name).toEqual(want);
    }
  });

  it('every sample merges (in dependency order) with nothing refused', async () => {
    const company = 7001;
    for (const { entity, row } of SAMPLES)
      expect(await merge(db, entity, company, [row]), entity).toMatchObject({ inserted: 1 });
    expect(
      await db.one(
        `select r.seance_length, r.payment_status, r.staff_id::int, r.client_id::int, s.cost::float, s.service_id::int
         from yclients.records r join yclients.record_services s using (company_id)
         where r.company_id = $1 and r.id = 10 and s.record_id = 10 and s.line_no = 1`,
        [company],
      ),
    ).toEqual({
      seance_length: 3600,
      payment_status: '2',
      staff_id: 5,
      client_id: 3,
      cost: 900,
      service_id: 100,
    });
    expect(
      await db.one(
        'select discount::float, sms_bot, visits, phone from yclients.clients where company_id = $1 and id = 3',
        [company],
      ),
    ).toEqual({ discount: 7.5, sms_bot: false, visits: 3, phone: '+79990000003' });
    expect(
      await db.one(
        `select amount::float, expense_category_id::int, account_id::int, master_id::int, supplier_id::int
         from yclients.financial_transactions where company_id = $1 and id = 1`,
        [company],
      ),
    ).toEqual({ amount: 100.5, expense_category_id: 8, account_id: 2, master_id: 5, supplier_id: 9 });
  });

  it('a wire value the SDK would have normalised is a data exception, not a guess', async () => {
    // the SDK turns "7,5" into 7.5 and "0000-00-00" into null; the merge does not coerce a second time
    for (const [entity, row, code] of [
      ['clients', { id: 1, discount: '7,5' }, '22P02'],
      ['clients', { id: 1, birth_date: '0000-00-00' }, '22008'],
      ['records', { id: 1, datetime: '2024-05-01T10:00:00+03:00', attendance: '1.0' }, '22P02'],
      ['staff', { id: 1, weight: 1.5 }, '22P02'],
      ['services', { id: 1, staff: [{ staff_id: 'abc' }] }, '22P02'],
      ['positions', [{ id: 1 }], '22023'],
    ] as const) {
      await expect(merge(db, entity, 7002, [row]), `${entity} ${JSON.stringify(row)}`).rejects.toMatchObject({
        code,
      });
    }
  });
});
