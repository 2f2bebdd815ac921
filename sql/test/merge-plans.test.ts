/**
 * The plans the merge functions really run (captured with auto_explain, nested statements included) on a
 * company holding many rows: every lookup of an existing row or link is a primary-key probe on (company_id,
 * key), never a walk of the company's index range or a sequential scan, and link deletes go by row address.
 * PL/pgSQL caches a generic plan after a few calls, so the plans are captured after the functions were
 * first called while the tables were small, then again after ANALYZE. Asserts plan structure, never time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

interface LoggedPlan {
  'Query Text': string;
  Plan: PlanNode;
}

/** The key columns of each watched table: a scan of it must probe its primary key on these. */
const KEYS: Record<string, { index: string; columns: string[] }> = {
  records: { index: 'records_pkey', columns: ['company_id', 'id'] },
  record_services: { index: 'record_services_pkey', columns: ['company_id', 'record_id'] },
  clients: { index: 'clients_pkey', columns: ['company_id', 'id'] },
  client_category_links: { index: 'client_category_links_pkey', columns: ['company_id', 'client_id'] },
  services: { index: 'services_pkey', columns: ['company_id', 'id'] },
  service_staff: { index: 'service_staff_pkey', columns: ['company_id', 'service_id'] },
  staff: { index: 'staff_pkey', columns: ['company_id', 'id'] },
  client_categories: { index: 'client_categories_pkey', columns: ['company_id', 'id'] },
};

const SCANS = new Set([
  'Seq Scan',
  'Index Scan',
  'Index Only Scan',
  'Bitmap Index Scan',
  'Tid Scan',
  'Tid Range Scan',
]);

function* nodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodes(child);
}

/** Table scans of the watched tables in the captured plans, as "table: node type index cond" lines. */
function scans(plans: LoggedPlan[]): { table: string; node: PlanNode; text: string }[] {
  const out: { table: string; node: PlanNode; text: string }[] = [];
  for (const plan of plans) {
    for (const node of nodes(plan.Plan)) {
      if (!SCANS.has(node['Node Type'])) continue;
      // a bitmap index scan names its index, not its table: the table is in the index name
      const table =
        node['Relation Name'] ??
        Object.keys(KEYS).find((t) => node['Index Name']?.startsWith(`${t}_`)) ??
        node['Index Name'] ??
        '?';
      if (!(table in KEYS)) continue;
      const text = `${table}: ${node['Node Type']} ${node['Index Name'] ?? ''} ${node['Index Cond'] ?? ''}`;
      out.push({ table, node, text });
    }
  }
  return out;
}

/** Fails on any scan of a watched table that is not a primary-key probe on its key columns (or a TID scan). */
function expectKeyProbesOnly(plans: LoggedPlan[]): string[] {
  const found = scans(plans);
  const bad = found.filter(({ table, node }) => {
    const type = node['Node Type'];
    if (type === 'Tid Scan') return false;
    if (type === 'Seq Scan' || type === 'Tid Range Scan') return true;
    const key = KEYS[table]!;
    const cond = node['Index Cond'] ?? '';
    return node['Index Name'] !== key.index || !key.columns.every((c) => new RegExp(`\\b${c} = `).test(cond));
  });
  expect(bad.map((b) => b.text)).toEqual([]);
  return found.map((f) => f.text);
}

let autoExplain = false;
const captured: LoggedPlan[] = [];

/** Runs `fn` with auto_explain logging every (nested) plan to this client; returns the plans. */
async function capture(fn: () => Promise<unknown>): Promise<LoggedPlan[]> {
  captured.length = 0;
  await db.query('set auto_explain.log_min_duration = 0');
  await db.query('set client_min_messages = log');
  try {
    await fn();
  } finally {
    await db.query('set client_min_messages = notice');
    await db.query('set auto_explain.log_min_duration = -1');
  }
  return [...captured];
}

beforeAll(async () => {
  try {
    await db.query(`load 'auto_explain'`);
    await db.query('set auto_explain.log_format = json');
    await db.query('set auto_explain.log_nested_statements = on');
    await db.query('set auto_explain.log_min_duration = -1');
    autoExplain = true;
  } catch {
    // auto_explain needs a superuser session and the contrib module (both there on the test servers)
  }
  db.client.on('notice', (n) => {
    const message = n.message ?? '';
    if (!message.startsWith('duration:')) return;
    captured.push(JSON.parse(message.slice(message.indexOf('{'))) as LoggedPlan);
  });
});

const record = (id: number, services: unknown[], over: Record<string, unknown> = {}) => ({
  id,
  datetime: '2024-05-01T10:00:00+03:00',
  attendance: 1,
  staff_id: 1 + (id % 20),
  client_id: 1 + (id % 1000),
  services,
  raw: { id, services },
  ...over,
});
const line = (serviceId: number, cost: number) => ({ id: serviceId, title: `s${serviceId}`, cost });

describe('merge plans on a company with many rows', () => {
  const c = 4242;
  const other = 4343;

  it('records: previous-row lookup, line probes and line deletes use the primary key', async (ctx) => {
    if (!autoExplain) ctx.skip();
    // parents, then plans cached while the tables are small (six calls: PL/pgSQL goes generic after five)
    await db.query(
      `insert into yclients.staff (company_id, id, name) select $1, g, 's' || g from generate_series(1, 20) g`,
      [c],
    );
    await db.query(
      `insert into yclients.clients (company_id, id, name) select $1, g, 'c' || g from generate_series(1, 1000) g`,
      [c],
    );
    await db.query(
      `insert into yclients.services (company_id, id, title) select $1, g, 's' || g from generate_series(1, 50) g`,
      [c],
    );
    for (let page = 0; page < 6; page++) {
      const rows = Array.from({ length: 10 }, (_, i) => record(1 + page * 10 + i, [line(1, 100)]));
      expect(await merge(db, 'records', c, rows)).toMatchObject({ inserted: 10 });
    }
    // then the company grows to 60,000 records with two lines each (and another company as big)
    for (const company of [c, other]) {
      await db.query(
        `insert into yclients.records (company_id, id, datetime, staff_id, client_id, attendance, raw)
         select $1, g, timestamptz '2024-01-01' + g * interval '5 minutes', case when $2 then 1 + g % 20 end,
                case when $2 then 1 + g % 1000 end, 1, '{}'
         from generate_series(1000, 60999) g`,
        [company, company === c],
      );
      await db.query(
        `insert into yclients.record_services (company_id, record_id, line_no, service_id, cost)
         select $1, g, n, case when $2 then 1 + g % 50 end, 100
         from generate_series(1000, 60999) g, generate_series(1, 2) n`,
        [company, company === c],
      );
    }

    // a page that inserts, updates (one line fewer: a delete), flags deleted (previous-row lookup) and repeats
    const page = (salt: number) => [
      ...Array.from({ length: 20 }, (_, i) => record(70000 + salt * 100 + i, [line(2, 200)])),
      ...Array.from({ length: 20 }, (_, i) => record(30000 + salt * 100 + i, [line(3, 300)])),
      ...Array.from({ length: 10 }, (_, i) =>
        record(40000 + salt * 100 + i, [line(4, 400), line(5, 500)], { deleted: true }),
      ),
    ];
    for (const [round, stats] of [
      [0, 'no statistics, plans from the small tables'],
      [1, 'after ANALYZE'],
    ] as const) {
      if (round === 1) await db.query('analyze yclients.records, yclients.record_services');
      for (let call = 0; call < 7; call++) {
        const salt = round * 10 + call;
        let counts: unknown;
        const plans = await capture(async () => {
          counts = await merge(db, 'records', c, page(salt));
        });
        expect(counts, stats).toEqual({ inserted: 20, updated: 20, unchanged: 0, deleted: 10 });
        const texts = expectKeyProbesOnly(plans);
        // the lookups this test is about are there (not merely absent)
        expect(texts, stats).toContainEqual(expect.stringMatching(/^records: .*records_pkey.*\bid = u\.id/));
        expect(texts, stats).toContainEqual(
          expect.stringMatching(/^record_services: .*record_services_pkey.*record_id = c\.record_id/),
        );
        expect(texts, stats).toContainEqual('record_services: Tid Scan  ');
      }
      const lines = await db.query(
        `select record_id::int, line_no, cost::int from yclients.record_services
         where company_id = $1 and record_id in ($2, $3) order by 1, 2`,
        [c, 30000 + round * 1000, 40000 + round * 1000],
      );
      expect(lines).toEqual([
        { record_id: 30000 + round * 1000, line_no: 1, cost: 300 },
        { record_id: 40000 + round * 1000, line_no: 1, cost: 400 },
        { record_id: 40000 + round * 1000, line_no: 2, cost: 500 },
      ]);
    }
    // the other company's rows were never touched
    expect(
      await db.one(
        `select count(*)::int as lines, count(distinct record_id)::int as records
         from yclients.record_services where company_id = $1`,
        [other],
      ),
    ).toEqual({ lines: 120000, records: 60000 });
  }, 120_000);

  it('clients, services, staff and client categories: links and previous rows by primary key', async (ctx) => {
    if (!autoExplain) ctx.skip();
    const client = (id: number, categories: number[]) => ({
      id,
      name: `c${id}`,
      categories: categories.map((k) => ({ id: k, title: `k${k}` })),
      raw: { id, categories },
    });
    const service = (id: number, staff: number[]) => ({
      id,
      title: `s${id}`,
      staff: staff.map((s) => ({ staff_id: s, seance_length_seconds: 3600 })),
      raw: { id, staff },
    });
    const c2 = c + 1;
    for (let call = 0; call < 6; call++) {
      await merge(db, 'clients', c2, [client(1 + call, [1, 2])]);
      await merge(db, 'services', c2, [service(1 + call, [1, 2])]);
      await merge(db, 'staff', c2, [{ id: 1 + call, name: `s${call}` }]);
      await merge(db, 'client_categories', c2, [{ id: 1 + call, title: `k${call}` }]);
    }
    await db.query(
      `insert into yclients.clients (company_id, id, name, raw) select $1, g, 'c' || g, '{}' from generate_series(100, 40099) g`,
      [c2],
    );
    await db.query(
      `insert into yclients.client_category_links (company_id, client_id, category_id)
       select $1, g, k from generate_series(100, 40099) g, generate_series(1, 2) k`,
      [c2],
    );
    await db.query(
      `insert into yclients.services (company_id, id, title, raw) select $1, g, 's' || g, '{}' from generate_series(100, 20099) g`,
      [c2],
    );
    await db.query(
      `insert into yclients.service_staff (company_id, service_id, staff_id)
       select $1, g, s from generate_series(100, 20099) g, generate_series(1, 2) s`,
      [c2],
    );
    await db.query(
      `insert into yclients.staff (company_id, id, name, raw) select $1, g, 's' || g, '{}' from generate_series(100, 20099) g`,
      [c2],
    );
    await db.query(
      `insert into yclients.client_categories (company_id, id, title, raw)
       select $1, g, 'k' || g, '{}' from generate_series(100, 20099) g`,
      [c2],
    );
    for (let call = 0; call < 7; call++) {
      const base = 1000 + call * 100;
      const plans = await capture(async () => {
        // each existing parent loses one link (a delete), and some rows are flagged deleted
        const ids = Array.from({ length: 20 }, (_, i) => base + i);
        expect(
          await merge(
            db,
            'clients',
            c2,
            ids.map((id) => client(id, [1])),
          ),
        ).toMatchObject({ updated: 20 });
        expect(
          await merge(
            db,
            'services',
            c2,
            ids.map((id) => service(id, [2])),
          ),
        ).toMatchObject({ updated: 20 });
        expect(
          await merge(
            db,
            'staff',
            c2,
            ids.map((id) => ({ id, name: `s${id}`, deleted: true })),
          ),
        ).toMatchObject({ deleted: 20 });
        expect(
          await merge(
            db,
            'client_categories',
            c2,
            ids.map((id) => ({ id, title: `k${id}`, deleted: true })),
          ),
        ).toMatchObject({ deleted: 20 });
      });
      const texts = expectKeyProbesOnly(plans);
      expect(texts).toContainEqual(
        expect.stringMatching(
          /^client_category_links: .*client_category_links_pkey.*client_id = ch\.client_id/,
        ),
      );
      expect(texts).toContainEqual(
        expect.stringMatching(/^service_staff: .*service_staff_pkey.*service_id = c\.service_id/),
      );
      expect(texts).toContainEqual(expect.stringMatching(/^staff: .*staff_pkey.*\bid = u\.id/));
      expect(texts).toContainEqual(
        expect.stringMatching(/^client_categories: .*client_categories_pkey.*\bid = u\.id/),
      );
      expect(texts).toContainEqual('client_category_links: Tid Scan  ');
      expect(texts).toContainEqual('service_staff: Tid Scan  ');
    }
    expect(
      await db.query(
        'select category_id::int from yclients.client_category_links where company_id = $1 and client_id = 1000',
        [c2],
      ),
    ).toEqual([{ category_id: 1 }]);
    expect(
      await db.query(
        'select staff_id::int from yclients.service_staff where company_id = $1 and service_id = 1000',
        [c2],
      ),
    ).toEqual([{ staff_id: 2 }]);
  }, 120_000);
});

describe('line replacement by position', () => {
  it('a line past the end of the list goes, a changed line is rewritten, the rest stay untouched', async () => {
    const c = 4545;
    const lines = async () =>
      db.query<{ line_no: number; cost: number; xmin: string }>(
        `select line_no, cost::int, xmin::text from yclients.record_services
         where company_id = $1 and record_id = 1 order by line_no`,
        [c],
      );
    await merge(db, 'records', c, [record(1, [line(1, 10), line(3, 30), line(4, 40)])]);
    const first = await lines();
    expect(first.map(({ line_no, cost }) => ({ line_no, cost }))).toEqual([
      { line_no: 1, cost: 10 },
      { line_no: 2, cost: 30 },
      { line_no: 3, cost: 40 },
    ]);
    // line 3 is past the end now, line 2 changes; line 1 is the same and keeps its row version
    expect(await merge(db, 'records', c, [record(1, [line(1, 10), line(2, 20)])])).toMatchObject({
      updated: 1,
    });
    const second = await lines();
    expect(second.map(({ line_no, cost }) => ({ line_no, cost }))).toEqual([
      { line_no: 1, cost: 10 },
      { line_no: 2, cost: 20 },
    ]);
    expect(second[0]!.xmin).toBe(first[0]!.xmin);
    // line 1 changes, line 2 stays as it is
    expect(await merge(db, 'records', c, [record(1, [line(5, 50), line(2, 20)])])).toMatchObject({
      updated: 1,
    });
    const third = await lines();
    expect(third.map(({ line_no, cost }) => ({ line_no, cost }))).toEqual([
      { line_no: 1, cost: 50 },
      { line_no: 2, cost: 20 },
    ]);
    expect(third[1]).toEqual(second[1]);
    // same page again: nothing written
    expect(await merge(db, 'records', c, [record(1, [line(5, 50), line(2, 20)])])).toMatchObject({
      unchanged: 1,
    });
    expect(await lines()).toEqual(third);
  });

  it('a list that is not an array of objects is a data exception (the SDK sends none)', async () => {
    // mergePage (sql/src/merge.ts) quarantines the row that causes it, and lands the rest of the page
    await expect(merge(db, 'records', 4546, [record(1, [line(1, 10), 'junk'])])).rejects.toMatchObject({
      code: '22023',
    });
  });
});

describe('finish_refresh on a company with many rows', () => {
  it('probes the seen ids by their whole key, with or without statistics (00005)', async (ctx) => {
    if (!autoExplain) ctx.skip();
    const c = 9191;
    await db.query(
      `insert into yclients.records (company_id, id, datetime, attendance, raw)
       select $1, g, timestamptz '2024-01-01' + g * interval '5 minutes', 1, '{}' from generate_series(1, 20000) g`,
      [c],
    );
    for (const [refresh, stats] of [
      [91, 'no statistics on seen_ids'],
      [92, 'after ANALYZE'],
    ] as const) {
      // the refresh saw every record but five (ids 10..14 the first time, 20..24 the second)
      const missing = refresh === 91 ? [10, 14] : [20, 24];
      await db.query(
        `insert into yclients_staging.seen_ids (company_id, entity, refresh_id, id)
         select $1, 'records', $2, id from yclients.records
         where company_id = $1 and deleted_at is null and id not between $3 and $4`,
        [c, refresh, ...missing],
      );
      if (refresh === 92) await db.query('analyze yclients_staging.seen_ids, yclients.records');
      let deleted: unknown;
      const plans = await capture(async () => {
        deleted = (
          await db.query<{ n: number }>(
            `select deleted as n from yclients_sync.finish_refresh($1, 'records', $2, '2023-01-01', '2030-01-01')`,
            [c, refresh],
          )
        )[0]?.n;
      });
      expect(deleted, stats).toBe(5);
      const all = plans.flatMap((p) => [...nodes(p.Plan)]);
      // the anti join of 00002 scanned the refresh's whole range of seen ids per live row
      expect(all.filter((n) => (n as { 'Join Type'?: string })['Join Type'] === 'Anti')).toEqual([]);
      // now: one primary-key probe per live row, the id in the index condition
      expect(
        all.some((n) => n['Index Name'] === 'seen_ids_pkey' && /\bid = t\.id\b/.test(n['Index Cond'] ?? '')),
        stats,
      ).toBe(true);
    }
  });
});
