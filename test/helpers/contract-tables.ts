/**
 * The data tables of schema `yclients` as the end-to-end comparison sees them: every column the schema
 * documents (sql/schema.sql, docs/architecture.md), with the kind that decides how a value is compared,
 * and a reader that brings a company's rows out of the database in that canonical form:
 *
 * - ids (`bigint`) and `integer` as JS numbers, `boolean` as booleans, `text` and `date` as text;
 * - `numeric` as PostgreSQL's own text, so the scale counts (`1500` is not `1500.00`);
 * - `timestamptz` as the instant, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds);
 * - `jsonb` parsed (key order does not count, numbers as JSON numbers);
 * - `deleted_at` only as set or not (`'(set)'` / null): its value is the sync's clock, not upstream's;
 * - `company_id` is the filter, `synced_at` is left out (the sync's clock too).
 *
 * The reader checks the database's own columns against this list, so a column added to the schema
 * without a comparison rule fails every end-to-end comparison until it gets one.
 */
import { readRows } from '@yclients-pg/sql';
import type pg from 'pg';

export type ColumnKind =
  | 'bigint'
  | 'integer'
  | 'numeric'
  | 'text'
  | 'boolean'
  | 'timestamptz'
  | 'date'
  | 'jsonb';

export interface TableSpec {
  /** the columns that identify a row within a company */
  key: readonly string[];
  columns: Readonly<Record<string, ColumnKind>>;
}

const entity = (columns: Record<string, ColumnKind>, stub = true): TableSpec => ({
  key: ['id'],
  columns: {
    id: 'bigint',
    ...columns,
    raw: 'jsonb',
    deleted_at: 'timestamptz',
    ...(stub ? { is_stub: 'boolean' as const } : {}),
  },
});

export const TABLES = {
  positions: entity({ title: 'text' }),
  staff: entity({
    name: 'text',
    specialization: 'text',
    position_id: 'bigint',
    fired: 'boolean',
    hidden: 'boolean',
    user_id: 'bigint',
    weight: 'integer',
    api_id: 'text',
    dismissal_date: 'date',
    avatar: 'text',
  }),
  service_categories: entity({ title: 'text', weight: 'integer', api_id: 'text' }),
  services: entity({
    category_id: 'bigint',
    title: 'text',
    price_min: 'numeric',
    price_max: 'numeric',
    duration_seconds: 'integer',
    active: 'boolean',
    weight: 'integer',
    comment: 'text',
    api_id: 'text',
  }),
  service_staff: {
    key: ['service_id', 'staff_id'],
    columns: { service_id: 'bigint', staff_id: 'bigint', seance_length: 'integer', price: 'numeric' },
  },
  client_categories: entity({ title: 'text', color: 'text' }),
  client_category_links: {
    key: ['client_id', 'category_id'],
    columns: { client_id: 'bigint', category_id: 'bigint' },
  },
  clients: entity({
    name: 'text',
    surname: 'text',
    patronymic: 'text',
    phone: 'text',
    email: 'text',
    card: 'text',
    birth_date: 'date',
    comment: 'text',
    discount: 'numeric',
    sex_id: 'integer',
    sex: 'text',
    sms_check: 'boolean',
    sms_bot: 'boolean',
    sms_not: 'boolean',
    balance: 'numeric',
    importance_id: 'integer',
    importance: 'text',
    spent: 'numeric',
    visits: 'integer',
    last_change_date: 'timestamptz',
    custom_fields: 'jsonb',
  }),
  accounts: entity({ title: 'text', type: 'integer', is_cash: 'boolean', comment: 'text' }),
  records: entity({
    datetime: 'timestamptz',
    create_date: 'timestamptz',
    last_change_date: 'timestamptz',
    seance_length: 'integer',
    attendance: 'integer',
    visit_attendance: 'integer',
    confirmed: 'boolean',
    paid_full: 'boolean',
    payment_status: 'text',
    online: 'boolean',
    comment: 'text',
    visit_id: 'bigint',
    staff_id: 'bigint',
    client_id: 'bigint',
  }),
  record_services: {
    key: ['record_id', 'line_no'],
    columns: {
      record_id: 'bigint',
      line_no: 'integer',
      service_id: 'bigint',
      title: 'text',
      cost: 'numeric',
      first_cost: 'numeric',
      discount: 'numeric',
      amount: 'numeric',
      cost_per_unit: 'numeric',
      manual_cost: 'numeric',
    },
  },
  financial_transactions: entity(
    {
      date: 'timestamptz',
      amount: 'numeric',
      comment: 'text',
      expense_category_id: 'bigint',
      account_id: 'bigint',
      client_id: 'bigint',
      record_id: 'bigint',
      master_id: 'bigint',
      supplier_id: 'bigint',
      document_id: 'bigint',
      visit_id: 'bigint',
      sold_item_type: 'text',
      sold_item_id: 'bigint',
      last_change_date: 'timestamptz',
    },
    false,
  ),
  expense_categories: entity({ title: 'text', type: 'integer' }),
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** A row in canonical form: column → value (see the file comment). */
export type Row = Record<string, unknown>;

/** Columns every data table has that the comparison leaves out, and why. */
const NOT_COMPARED = new Set(['company_id', 'synced_at']);

/** information_schema.columns.data_type of each kind */
const DATA_TYPE: Record<ColumnKind, string> = {
  bigint: 'bigint',
  integer: 'integer',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  date: 'date',
  jsonb: 'jsonb',
};

/** `deleted_at` as the comparison sees it. */
export const SET = '(set)';

function selectExpression(column: string, kind: ColumnKind): string {
  const c = `t.${column}`;
  if (column === 'deleted_at') return `case when ${c} is null then null else '${SET}' end as ${column}`;
  switch (kind) {
    case 'bigint':
    case 'numeric':
    case 'date':
      return `${c}::text as ${column}`;
    case 'timestamptz':
      return `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${column}`;
    default:
      return `${c} as ${column}`;
  }
}

/**
 * Differences between the database's columns and TABLES: a column the comparison does not know, or one
 * it expects that is gone or of another type.
 */
export async function schemaDifferences(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
    `select table_name, column_name, data_type from information_schema.columns
     where table_schema = 'yclients' and table_name = any($1)`,
    [TABLE_NAMES],
  );
  const out: string[] = [];
  for (const table of TABLE_NAMES) {
    const spec: Readonly<Record<string, ColumnKind>> = TABLES[table].columns;
    const actual = new Map(
      rows.filter((r) => r.table_name === table).map((r) => [r.column_name, r.data_type]),
    );
    if (actual.size === 0) out.push(`${table}: no such table in schema yclients`);
    for (const [column, type] of actual) {
      if (NOT_COMPARED.has(column)) continue;
      const kind = spec[column];
      if (!kind) out.push(`${table}.${column} (${type}): a column the comparison has no rule for`);
      else if (DATA_TYPE[kind] !== type)
        out.push(`${table}.${column}: ${type} in the database, ${kind} compared`);
    }
    for (const column of Object.keys(spec)) {
      if (actual.size > 0 && !actual.has(column))
        out.push(`${table}.${column}: compared but not in the database`);
    }
  }
  return out;
}

/** A company's rows of one table in canonical form. */
export async function readTable(client: pg.Client, table: TableName, companyId: number): Promise<Row[]> {
  const spec: Readonly<Record<string, ColumnKind>> = TABLES[table].columns;
  const columns = Object.entries(spec);
  const rows: Row[] = [];
  // a whole table: through a cursor, a batch at a time (design §2, pg-cursor's job)
  for await (const row of readRows<Row>(client, {
    text: `select ${columns.map(([c, k]) => selectExpression(c, k)).join(', ')}
     from yclients.${table} t where t.company_id = $1`,
    values: [companyId],
  })) {
    for (const [column, kind] of columns) {
      const value = row[column];
      if ((kind === 'bigint' || kind === 'integer') && value !== null && value !== undefined) {
        const n = Number(value);
        if (!Number.isSafeInteger(n))
          throw new Error(`${table}.${column}: ${String(value)} is not a safe integer`);
        row[column] = n;
      }
    }
    rows.push(row);
  }
  return rows;
}

/** The key of a row within its table, e.g. `1000000005` or `1000000005#2`. */
export function keyOf(table: TableName, row: Row): string {
  return TABLES[table].key.map((k) => String(row[k])).join('#');
}
