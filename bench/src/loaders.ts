/**
 * The three ways one page of normalised rows reaches PostgreSQL, side by side:
 *
 * - `rowByRow`: what existing YClients loaders do — one `INSERT … ON CONFLICT DO UPDATE` per row, one
 *   transaction per page. To be generous to it, each row's children (category links, service lines) ride in
 *   the same statement (data-modifying CTEs), so it costs exactly one round trip per row; loaders that send a
 *   statement per child are slower still. It rewrites every row (no IS DISTINCT FROM), as those tools do.
 * - `merge`: ours, the path the sync really takes — the sql package's `mergePage` (one call of
 *   `yclients_sync.land_page`, which runs `merge_<entity>` and moves the checkpoint): the page as one jsonb
 *   parameter, one round trip, one transaction, on the package's own @databases/pg connection.
 * - `copy`: the floor — `COPY FROM STDIN` (pg-copy-streams) of the same rows and children into empty unlogged
 *   tables with the same columns, no keys, no indexes, no merge.
 * - `copyKeyed`: the same COPY into empty tables like the sync's own (logged, with their primary keys,
 *   indexes and checks; no foreign keys): what storing the rows durably costs before any merge logic, so
 *   the gap to `copy` shows how much of the merge's cost is the table rather than the merge.
 */
import { Readable } from 'node:stream';
import { connectDatabase, type Db, mergePage, openRun } from '@yclients-pg/sql';
import type { CountingClient } from './database';
import { COMPANY_ID, type Entity, type Json, type Row } from './generate';

export type Method = 'rowByRow' | 'merge' | 'copy' | 'copyKeyed';

/** The schema each COPY floor writes into (createFloorTables). */
const FLOOR_SCHEMA = { copy: 'bench_floor', copyKeyed: 'bench_floor_keyed' } as const;

export function isCopy(method: Method): method is keyof typeof FLOOR_SCHEMA {
  return method in FLOOR_SCHEMA;
}

type Column = readonly [name: string, type: string];

const CLIENT_COLUMNS: readonly Column[] = [
  ['company_id', 'bigint'],
  ['id', 'bigint'],
  ['name', 'text'],
  ['surname', 'text'],
  ['patronymic', 'text'],
  ['phone', 'text'],
  ['email', 'text'],
  ['card', 'text'],
  ['birth_date', 'date'],
  ['comment', 'text'],
  ['discount', 'numeric'],
  ['sex_id', 'integer'],
  ['sex', 'text'],
  ['sms_check', 'boolean'],
  ['sms_bot', 'boolean'],
  ['sms_not', 'boolean'],
  ['balance', 'numeric'],
  ['importance_id', 'integer'],
  ['importance', 'text'],
  ['spent', 'numeric'],
  ['visits', 'integer'],
  ['last_change_date', 'timestamptz'],
  ['custom_fields', 'jsonb'],
  ['raw', 'jsonb'],
];

const RECORD_COLUMNS: readonly Column[] = [
  ['company_id', 'bigint'],
  ['id', 'bigint'],
  ['datetime', 'timestamptz'],
  ['create_date', 'timestamptz'],
  ['last_change_date', 'timestamptz'],
  ['seance_length', 'integer'],
  ['attendance', 'integer'],
  ['visit_attendance', 'integer'],
  ['confirmed', 'boolean'],
  ['paid_full', 'boolean'],
  ['payment_status', 'text'],
  ['online', 'boolean'],
  ['comment', 'text'],
  ['visit_id', 'bigint'],
  ['staff_id', 'bigint'],
  ['client_id', 'bigint'],
  ['raw', 'jsonb'],
];

const LINK_COLUMNS = ['company_id', 'client_id', 'category_id'] as const;
const LINE_COLUMNS = [
  'company_id',
  'record_id',
  'line_no',
  'service_id',
  'title',
  'cost',
  'first_cost',
  'discount',
  'amount',
  'cost_per_unit',
  'manual_cost',
] as const;
const LINE_FIELDS = [
  'id',
  'title',
  'cost',
  'first_cost',
  'discount',
  'amount',
  'cost_per_unit',
  'manual_cost',
];

function columnValue(row: Row, name: string): Json {
  if (name === 'company_id') return COMPANY_ID;
  if (name === 'seance_length') return row.seance_length_seconds ?? null;
  return row[name] ?? null;
}

function values(row: Row, columns: readonly Column[]): Json[] {
  return columns.map(([name]) => columnValue(row, name));
}

function asRows(value: Json | undefined): Row[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as Row[]) : [];
}

// --- row by row ------------------------------------------------------------------------------------

function upsertSql(table: string, columns: readonly Column[]): string {
  const names = columns.map(([n]) => n);
  const params = columns.map(([, type], i) => `$${i + 1}::${type}`);
  const sets = names
    .filter((n) => n !== 'company_id' && n !== 'id')
    .map((n) => `${n} = excluded.${n}`)
    .join(', ');
  return `insert into ${table} as t (${names.join(', ')}, synced_at, deleted_at, is_stub)
    values (${params.join(', ')}, now(), null, false)
    on conflict (company_id, id) do update set ${sets}, synced_at = excluded.synced_at, deleted_at = null, is_stub = false
    returning t.id`;
}

const C = CLIENT_COLUMNS.length;
const CLIENT_ROW_SQL = `with c as (${upsertSql('yclients.clients', CLIENT_COLUMNS)}
), cats as (
  insert into yclients.client_categories (company_id, id, title, color, raw, is_stub)
  select $1, u.id, u.title, u.color, jsonb_build_object('id', u.id, 'title', u.title, 'color', u.color), true
  from unnest($${C + 1}::bigint[], $${C + 2}::text[], $${C + 3}::text[]) as u(id, title, color)
  on conflict (company_id, id) do nothing
), gone as (
  delete from yclients.client_category_links l
  where l.company_id = $1 and l.client_id = $2 and l.category_id <> all ($${C + 1}::bigint[])
)
insert into yclients.client_category_links (company_id, client_id, category_id)
select $1, $2, unnest($${C + 1}::bigint[])
on conflict do nothing`;

const R = RECORD_COLUMNS.length;
const RECORD_ROW_SQL = `with r as (${upsertSql('yclients.records', RECORD_COLUMNS)}
), gone as (
  delete from yclients.record_services l
  where l.company_id = $1 and l.record_id = $2 and l.line_no > cardinality($${R + 1}::bigint[])
)
insert into yclients.record_services as l (${LINE_COLUMNS.join(', ')})
select $1, $2, u.n, u.service_id, u.title, u.cost, u.first_cost, u.discount, u.amount, u.cost_per_unit, u.manual_cost
from unnest($${R + 1}::bigint[], $${R + 2}::text[], $${R + 3}::numeric[], $${R + 4}::numeric[], $${R + 5}::numeric[],
            $${R + 6}::numeric[], $${R + 7}::numeric[], $${R + 8}::numeric[])
     with ordinality as u(service_id, title, cost, first_cost, discount, amount, cost_per_unit, manual_cost, n)
on conflict (company_id, record_id, line_no) do update set
  service_id = excluded.service_id, title = excluded.title, cost = excluded.cost, first_cost = excluded.first_cost,
  discount = excluded.discount, amount = excluded.amount, cost_per_unit = excluded.cost_per_unit,
  manual_cost = excluded.manual_cost`;

function rowParams(entity: Entity, row: Row): unknown[] {
  if (entity === 'clients') {
    const cats = asRows(row.categories);
    return [
      ...values(row, CLIENT_COLUMNS),
      cats.map((c) => c.id),
      cats.map((c) => c.title),
      cats.map((c) => c.color),
    ];
  }
  const lines = asRows(row.services);
  return [...values(row, RECORD_COLUMNS), ...LINE_FIELDS.map((f) => lines.map((l) => l[f] ?? null))];
}

async function rowByRow(db: CountingClient, entity: Entity, rows: Row[]): Promise<void> {
  const text = entity === 'clients' ? CLIENT_ROW_SQL : RECORD_ROW_SQL;
  await db.query('begin');
  try {
    for (const row of rows) await db.query(text, rowParams(entity, row));
    await db.query('commit');
  } catch (error) {
    await db.query('rollback').catch(() => {});
    throw error;
  }
}

// --- merge ---------------------------------------------------------------------------------------

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

/** The merge's connection: a @databases/pg pool of one, as the sync uses; its requests count on `counter`. */
export interface MergeConnection {
  db: Db;
  dispose(): Promise<void>;
}

export function mergeConnection(url: string, counter: CountingClient): MergeConnection {
  const pool = connectDatabase(url, { poolSize: 1, applicationName: 'yclients-pg bench' });
  const db = new Proxy(pool, {
    get(target, property) {
      if (property === 'query')
        return (...args: Parameters<typeof target.query>) => {
          counter.queries++;
          return target.query(...args);
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Db;
  return { db, dispose: () => pool.dispose() };
}

async function merge(
  db: Db,
  entity: Entity,
  rows: Row[],
  runId: number,
  ordinal: number,
): Promise<MergeCounts> {
  const last = rows[rows.length - 1];
  const { inserted, updated, unchanged, deleted } = await mergePage(db, {
    entity,
    companyId: COMPANY_ID,
    runId,
    page: { rows: rows as unknown as { id: number }[] },
    checkpoint: {
      last_id: (last?.id as number | undefined) ?? null,
      last_ordinal: ordinal,
      page_size: rows.length,
    },
  });
  return { inserted, updated, unchanged, deleted };
}

// --- COPY ------------------------------------------------------------------------------------------

/** A value in COPY text format: \N for null, backslash escapes for the characters COPY gives meaning to. */
export function copyText(value: Json | undefined): string {
  if (value === null || value === undefined) return '\\N';
  let s: string;
  if (typeof value === 'boolean') s = value ? 't' : 'f';
  else if (typeof value === 'number') s = String(value);
  else if (typeof value === 'string') s = value;
  else s = JSON.stringify(value);
  return s.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  );
}

function copyBody(lines: Json[][]): Readable {
  return Readable.from([lines.map((l) => `${l.map(copyText).join('\t')}\n`).join('')]);
}

async function copy(db: CountingClient, schema: string, entity: Entity, rows: Row[]): Promise<void> {
  if (entity === 'clients') {
    await db.copy(
      `copy ${schema}.clients (${CLIENT_COLUMNS.map(([n]) => n).join(', ')}) from stdin`,
      copyBody(rows.map((r) => values(r, CLIENT_COLUMNS))),
    );
    const links = rows.flatMap((r) =>
      asRows(r.categories).map((c) => [COMPANY_ID, r.id ?? null, c.id ?? null]),
    );
    if (links.length)
      await db.copy(
        `copy ${schema}.client_category_links (${LINK_COLUMNS.join(', ')}) from stdin`,
        copyBody(links),
      );
    return;
  }
  await db.copy(
    `copy ${schema}.records (${RECORD_COLUMNS.map(([n]) => n).join(', ')}) from stdin`,
    copyBody(rows.map((r) => values(r, RECORD_COLUMNS))),
  );
  const lines = rows.flatMap((r) =>
    asRows(r.services).map((s, i) => [
      COMPANY_ID,
      r.id ?? null,
      i + 1,
      ...LINE_FIELDS.map((f) => s[f] ?? null),
    ]),
  );
  if (lines.length)
    await db.copy(`copy ${schema}.record_services (${LINE_COLUMNS.join(', ')}) from stdin`, copyBody(lines));
}

// --- setup -----------------------------------------------------------------------------------------

/**
 * The tables the COPY floors write: unlogged copies with the same columns and no keys or indexes
 * (`copy`), and logged copies with the same keys, indexes and checks (`copyKeyed`).
 */
export async function createFloorTables(db: CountingClient): Promise<void> {
  await db.query(`create schema if not exists bench_floor;
    create unlogged table if not exists bench_floor.clients (like yclients.clients including defaults);
    create unlogged table if not exists bench_floor.client_category_links (like yclients.client_category_links);
    create unlogged table if not exists bench_floor.records (like yclients.records including defaults);
    create unlogged table if not exists bench_floor.record_services (like yclients.record_services);
    create schema if not exists bench_floor_keyed;
    create table if not exists bench_floor_keyed.clients (like yclients.clients including all);
    create table if not exists bench_floor_keyed.client_category_links (like yclients.client_category_links including all);
    create table if not exists bench_floor_keyed.records (like yclients.records including all);
    create table if not exists bench_floor_keyed.record_services (like yclients.record_services including all);`);
}

/** Empty the tables `method` writes for `entity`, so every method starts from the same state. */
export async function resetTables(db: CountingClient, entity: Entity, method: Method): Promise<void> {
  if (isCopy(method)) {
    const schema = FLOOR_SCHEMA[method];
    await db.query(
      entity === 'clients'
        ? `truncate ${schema}.clients, ${schema}.client_category_links`
        : `truncate ${schema}.records, ${schema}.record_services`,
    );
    return;
  }
  await db.query(
    entity === 'clients'
      ? 'truncate yclients.clients, yclients.client_category_links, yclients.client_categories, yclients.records, yclients.record_services, yclients.financial_transactions'
      : 'truncate yclients.records, yclients.record_services, yclients.financial_transactions',
  );
}

/** What a real sync has loaded before records: positions, staff, services and the clients they point at. */
export async function seedParents(
  db: CountingClient,
  clientPool: number,
  catalog: Record<string, number>,
): Promise<void> {
  const c = COMPANY_ID;
  await db.query(
    `insert into yclients.positions (company_id, id, title)
     select $1, g, 'Должность ' || g from generate_series(1, $2::int) g on conflict do nothing`,
    [c, catalog.positions],
  );
  await db.query(
    `insert into yclients.staff (company_id, id, name, position_id)
     select $1, g, 'Мастер ' || g, 1 + g % $2::int from generate_series(1, $3::int) g on conflict do nothing`,
    [c, catalog.positions, catalog.staff],
  );
  await db.query(
    `insert into yclients.service_categories (company_id, id, title)
     select $1, g, 'Категория ' || g from generate_series(1, $2::int) g on conflict do nothing`,
    [c, catalog.serviceCategories],
  );
  await db.query(
    `insert into yclients.services (company_id, id, title, category_id)
     select $1, g, 'Услуга ' || g, 1 + g % $2::int from generate_series(1, $3::int) g on conflict do nothing`,
    [c, catalog.serviceCategories, catalog.services],
  );
  await db.query(
    `insert into yclients.clients (company_id, id, name)
     select $1, g, 'Клиент ' || g from generate_series(1, $2::int) g on conflict do nothing`,
    [c, clientPool],
  );
}

/** A run in the sync's run log for the merges to count their pages against, opened as the sync opens one. */
export async function newRunId(merge: MergeConnection): Promise<number> {
  return openRun(merge.db, { companyIds: [COMPANY_ID], bench: true });
}

/** Sends one page with `method`; returns the merge's counts when it is the merge. */
export async function loadPage(
  db: CountingClient,
  method: Method,
  entity: Entity,
  rows: Row[],
  context: { runId: number; ordinal: number; merge: Db },
): Promise<MergeCounts | undefined> {
  if (method === 'rowByRow') await rowByRow(db, entity, rows);
  else if (isCopy(method)) await copy(db, FLOOR_SCHEMA[method], entity, rows);
  else return merge(context.merge, entity, rows, context.runId, context.ordinal);
  return undefined;
}

/** Row counts of the tables `method` wrote, to show every method landed the same data. */
export async function landedCounts(
  db: CountingClient,
  entity: Entity,
  method: Method,
): Promise<{ rows: number; children: number }> {
  const schema = isCopy(method) ? FLOOR_SCHEMA[method] : 'yclients';
  const [main, child] =
    entity === 'clients' ? ['clients', 'client_category_links'] : ['records', 'record_services'];
  const { rows } = await db.query<{ rows: string; children: string }>(
    `select (select count(*) from ${schema}.${main}) as rows, (select count(*) from ${schema}.${child}) as children`,
  );
  return { rows: Number(rows[0]?.rows), children: Number(rows[0]?.children) };
}
