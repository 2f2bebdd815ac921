/**
 * The end-to-end comparison itself (test/helpers/compare.ts, issue 19): it covers every column of every
 * data table, stubs and soft-deletes included, so a break of the sync that changes any stored value
 * shows. First the comparison is shown to see a change of each column of each table (changed in a
 * transaction that is rolled back); then the rows the sync derives rather than copies (stubs of parents
 * deleted upstream, soft-deleted rows, flagged rows) are compared after real runs.
 */
import { withClient } from '@yclients-pg/sql';
import { describe, expect, it } from 'vitest';
import { compareOn, compareWithTruth, rowVersions } from '../helpers/compare';
import { type ColumnKind, TABLE_NAMES, TABLES, type TableName } from '../helpers/contract-tables';
import { runSync, useHarness } from '../helpers/harness';

const FULL = 101;
const RECORDS_ONLY = 202;
const sizes = { clients: 60, records: 300, transactions: 80 };

const e2e = useHarness();
const { query } = e2e;

/** A different value of the same type (null becomes a value, a value changes or becomes null). */
function changed(column: string, kind: ColumnKind, key: boolean): string {
  const c = `t.${column}`;
  if (key) return kind === 'integer' ? `${c} + 100` : `${c} + 1000000000000`;
  switch (kind) {
    case 'text':
      return `coalesce(${c}, '') || '~'`;
    case 'bigint':
      return `case when ${c} is null then 1 else null end`;
    case 'integer':
      return `coalesce(${c}, 0) + 1`;
    case 'numeric':
      return `coalesce(${c}, 0) + 1`;
    case 'boolean':
      return `case when ${c} is null then true else not ${c} end`;
    case 'timestamptz':
      return column === 'deleted_at'
        ? `case when ${c} is null then now() else null end`
        : `coalesce(${c}, now()) + interval '1 millisecond'`;
    case 'date':
      return `coalesce(${c}, current_date) + 1`;
    case 'jsonb':
      return `coalesce(${c}, '{}') || '{"changed": true}'`;
  }
}

/**
 * Changes one column of one row of the company's table (a row where it is not null, when there is one;
 * only stubs when `stubs`), compares, and rolls the change back. Returns the comparison's lines.
 */
async function differencesAfterChanging(
  table: TableName,
  column: string,
  companyId: number,
  options: { stubs?: boolean; synced?: string[]; set?: string } = {},
): Promise<{ changed: number; lines: string[] }> {
  const spec = TABLES[table];
  const kind = (spec.columns as Record<string, ColumnKind>)[column]!;
  const filter = options.stubs ? ' and t.is_stub' : 'is_stub' in spec.columns ? ' and not t.is_stub' : '';
  return withClient(e2e.current.db.url, async (client) => {
    await client.query('begin');
    try {
      const { rowCount } = await client.query(
        `update yclients.${table} t set ${column} = ${options.set ?? changed(column, kind, (spec.key as readonly string[]).includes(column))}
         where t.ctid = (select t.ctid from yclients.${table} t where t.company_id = $1${filter}
                         order by (t.${column} is null), t.ctid limit 1)`,
        [companyId],
      );
      const lines = await compareOn(client, e2e.current.fake, companyId, {
        synced: options.synced,
        limit: 10,
      });
      return { changed: rowCount ?? 0, lines };
    } finally {
      await client.query('rollback');
    }
  });
}

describe('the comparison sees a change of any column of any data table', () => {
  it('every column of every table, full rows and stubs', async () => {
    const harness = await e2e.start({
      seed: 91,
      rateLimit: false,
      companies: [
        { id: FULL, ...sizes },
        { id: RECORDS_ONLY, ...sizes },
      ],
    });
    expect((await runSync({ ...harness.env, YCLIENTS_COMPANY_IDS: String(FULL) })).code).toBe(0);
    const recordsOnly = await runSync({ ...harness.env, YCLIENTS_COMPANY_IDS: String(RECORDS_ONLY) }, [
      '--only',
      'records',
    ]);
    expect(recordsOnly.code, recordsOnly.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
    expect(
      await compareWithTruth(harness.db.url, harness.fake, RECORDS_ONLY, { synced: ['records'] }),
    ).toEqual([]);

    const unseen: string[] = [];
    for (const table of TABLE_NAMES) {
      for (const column of Object.keys(TABLES[table].columns)) {
        const { changed, lines } = await differencesAfterChanging(table, column, FULL);
        expect(changed, `${table}.${column}: a row to change`).toBe(1);
        if (!lines.some((l) => l.startsWith(`${table} `))) unseen.push(`${table}.${column}`);
      }
    }
    // the stubs of a records-only run: staff, clients and services named by records, their positions
    for (const table of ['positions', 'staff', 'services', 'clients'] as const) {
      for (const column of Object.keys(TABLES[table].columns)) {
        if (column === 'is_stub') continue; // a stub made a full row: its columns differ anyway
        const { changed, lines } = await differencesAfterChanging(table, column, RECORDS_ONLY, {
          stubs: true,
          synced: ['records'],
        });
        expect(changed, `${table}.${column}: a stub to change`).toBe(1);
        if (!lines.some((l) => l.startsWith(`${table} `))) unseen.push(`stub ${table}.${column}`);
      }
    }
    expect(unseen).toEqual([]);
  }, 300_000); // one comparison per column of every table: ~40 s alone, minutes on a busy machine

  it('numerics compare with their scale, timestamps as instants', async () => {
    const harness = await e2e.start({ seed: 92, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const scale = await differencesAfterChanging('services', 'price_min', FULL, {
      set: 't.price_min + 0.00',
    });
    expect(
      scale.lines.some((l) => /^services \d+: price_min is "\d+\.00", upstream says "\d+"$/.test(l)),
    ).toBe(true);
    // the same instant written in another zone is the same value
    const zone = await differencesAfterChanging('records', 'datetime', FULL, {
      set: "(t.datetime at time zone 'Asia/Vladivostok') at time zone 'Asia/Vladivostok'",
    });
    expect(zone).toEqual({ changed: 1, lines: [] });
    const micro = await differencesAfterChanging('records', 'datetime', FULL, {
      set: "t.datetime + interval '1 microsecond'",
    });
    expect(micro.lines).toHaveLength(1);
  });
});

describe('what the sync derives: stubs, soft-deletes, flags', () => {
  it('parents deleted upstream before the first run are stubs built from what their children embed', async () => {
    const harness = await e2e.start({ seed: 93, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    const c = harness.fake.company(FULL);
    const record = [...c.records.list()].find((r) => r.client && (r.services as unknown[]).length > 0)!;
    const clientId = (record.client as { id: number }).id;
    const serviceId = (record.services as Array<{ id: number }>)[0]!.id;
    const staffId = Number(record.staff_id);
    const service = c.services.get(serviceId)!;
    const positionId = [...c.staff.list()].map((s) => (s.position as { id?: number }).id).find(Boolean)!;
    const account = [...c.transactions.list()].map((t) => (t.account as { id: number }).id)[0]!;
    expect(c.clients.delete(clientId)).toBe(true);
    expect(c.services.delete(serviceId)).toBe(true);
    expect(c.staff.delete(staffId)).toBe(true);
    expect(c.positions.delete(positionId)).toBe(true);
    expect(c.serviceCategories.delete(Number(service.category_id))).toBe(true);
    expect(c.accounts.delete(account)).toBe(true);
    const first = await runSync(harness.env);
    expect(first.code, first.stderr).toBe(0);
    const stubs = await query<{ t: string; n: string }>(
      `select 'clients' as t, count(*) as n from yclients.clients where is_stub and id = $1
       union all select 'services', count(*) from yclients.services where is_stub and id = $2
       union all select 'staff', count(*) from yclients.staff where is_stub and id = $3
       union all select 'positions', count(*) from yclients.positions where is_stub and id = $4
       union all select 'service_categories', count(*) from yclients.service_categories where is_stub and id = $5
       union all select 'accounts', count(*) from yclients.accounts where is_stub and id = $6`,
      [clientId, serviceId, staffId, positionId, service.category_id, account],
    );
    expect(Object.fromEntries(stubs.map((s) => [s.t, Number(s.n) > 0]))).toEqual({
      clients: true,
      services: true,
      staff: true,
      positions: true,
      service_categories: true,
      accounts: true,
    });
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
  });

  it('rows deleted upstream after they were synced stay, soft-deleted; flagged ones carry the flag', async () => {
    const harness = await e2e.start({ seed: 94, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(FULL);
    const gone = {
      clients: [...c.clients.list()][3]!.id,
      services: [...c.services.list()][2]!.id,
      staff: [...c.staff.list()][1]!.id,
      client_categories: [...c.labels.list()].find((l) => l.deleted !== 1)!.id,
      accounts: [...c.accounts.list()][1]!.id,
      records: [...c.records.list()][4]!.id,
      financial_transactions: [...c.transactions.list()].at(-1)!.id,
    };
    expect(c.clients.delete(gone.clients)).toBe(true);
    expect(c.services.delete(gone.services)).toBe(true);
    expect(c.staff.delete(gone.staff)).toBe(true);
    expect(c.labels.delete(gone.client_categories)).toBe(true); // flagged `deleted: 1`, still listed
    expect(c.accounts.delete(gone.accounts)).toBe(true);
    expect(c.records.delete(gone.records)).toBe(true); // flagged `deleted: true`
    expect(c.transactions.delete(gone.financial_transactions)).toBe(true);
    const result = await runSync(harness.env, ['--full']);
    expect(result.code, result.stderr).toBe(0);
    // one of four accounts gone is more than the brake's share: a suspicious read, believed only when
    // the next run's read agrees (yclients_sync.pending_deletes)
    const pending = await query<{ entity: string; id: string }>(
      'select entity, id from yclients_sync.pending_deletes where company_id = $1',
      [FULL],
    );
    expect(pending.map((p) => `${p.entity} ${p.id}`)).toContain(`accounts ${gone.accounts}`);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toContain(
      `accounts ${gone.accounts}: live in the database, upstream no longer has it (a pending delete: waits for a later run to confirm)`,
    );
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL, { pendingDeletes: true })).toEqual([]);
    // the next run confirms the pending deletes, and reads the flagged record's own version
    // (changed_after, with_deleted)
    const next = await runSync(harness.env);
    expect(next.code, next.stderr).toBe(0);
    for (const [table, id] of Object.entries(gone)) {
      const [row] = await query<{ deleted: boolean; is_stub: boolean | null }>(
        `select deleted_at is not null as deleted, ${table === 'financial_transactions' ? 'null' : 'is_stub'} as is_stub
         from yclients.${table} where company_id = $1 and id = $2`,
        [FULL, id],
      );
      expect({ table, ...row }).toEqual({
        table,
        deleted: true,
        is_stub: table === 'financial_transactions' ? null : false,
      });
    }
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
  });

  it('a run after one that made stubs of deleted parents writes nothing when nothing changed', async () => {
    const harness = await e2e.start({ seed: 95, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    const c = harness.fake.company(FULL);
    const record = [...c.records.list()].find((r) => r.client)!;
    expect(c.clients.delete((record.client as { id: number }).id)).toBe(true);
    expect(c.staff.delete(Number(record.staff_id))).toBe(true);
    expect((await runSync(harness.env)).code).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
    const before = await rowVersions(harness.db.url);
    const second = await runSync(harness.env);
    expect(second.code, second.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
    expect(await rowVersions(harness.db.url)).toEqual(before);
  });

  it('stubs of many clients deleted upstream before the first run are no mass delete for a --full', async () => {
    const harness = await e2e.start({
      seed: 96,
      rateLimit: false,
      companies: [{ id: FULL, clients: 100, records: 600, transactions: 80 }],
    });
    const c = harness.fake.company(FULL);
    const named = new Set([...c.records.list()].map((r) => (r.client as { id: number } | null)?.id));
    const gone = [...c.clients.list()].filter((r) => named.has(r.id)).slice(0, 30);
    for (const r of gone) expect(c.clients.delete(r.id)).toBe(true);
    expect((await runSync(harness.env)).code).toBe(0);
    const [stubs] = await query<{ n: string }>(
      'select count(*) as n from yclients.clients where company_id = $1 and is_stub',
      [FULL],
    );
    expect(Number(stubs!.n)).toBe(30);
    const before = await rowVersions(harness.db.url);
    // a weekly --full: the 30 stubs are no rows of the list, so not 30 of 100 rows "gone" (exit 5, withheld)
    const full = await runSync(harness.env, ['--full']);
    expect(full.code, full.stderr).toBe(0);
    expect(await rowVersions(harness.db.url)).toEqual(before);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
  });
});

describe('links follow upstream; only what changed is written', () => {
  it("a changed row's links become upstream's, and a changed row's unchanged links are not rewritten", async () => {
    const harness = await e2e.start({ seed: 97, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(FULL);
    type Line = { id: number };
    const client = [...c.clients.list()].find((r) => (r.categories as Line[]).length >= 2)!;
    const [record, other] = [...c.records.list()].filter((r) => (r.services as Line[]).length >= 2);
    const [service, renamed] = [...c.services.list()].filter((s) => (s.staff as Line[]).length >= 2);
    // links that must stay as they are: those of a record and a service changed in other fields
    const untouched = async () =>
      query<{ k: string }>(
        `select 'line ' || line_no || ':' || xmin::text as k from yclients.record_services
           where company_id = $1 and record_id = $2
         union all
         select 'link ' || staff_id || ':' || xmin::text from yclients.service_staff
           where company_id = $1 and service_id = $3
         order by 1`,
        [FULL, other!.id, renamed!.id],
      );
    const before = await untouched();
    expect(before.length).toBeGreaterThanOrEqual(4);
    c.clients.update(client.id, { categories: (client.categories as Line[]).slice(0, 1) });
    c.records.update(record!.id, { services: (record!.services as Line[]).slice(0, 1) });
    c.services.update(service!.id, { staff: (service!.staff as Line[]).slice(1) });
    c.records.update(other!.id, { comment: 'только комментарий' });
    // (not its title or price: records embed those, and re-read them only when they change themselves)
    c.services.update(renamed!.id, { comment: 'Только комментарий' });
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
    expect(await untouched()).toEqual(before);
  });

  it('a record deleted upstream and then live again is live', async () => {
    const harness = await e2e.start({ seed: 98, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(FULL);
    const record = [...c.records.list()][10]!;
    expect(c.records.delete(record.id)).toBe(true);
    expect((await runSync(harness.env)).code).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
    c.records.update(record.id, { deleted: false, comment: 'восстановлена' });
    expect((await runSync(harness.env)).code).toBe(0);
    const [row] = await query<{ deleted_at: Date | null }>(
      'select deleted_at from yclients.records where company_id = $1 and id = $2',
      [FULL, record.id],
    );
    expect(row?.deleted_at).toBeNull();
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL)).toEqual([]);
  });

  it("clients land while the labels cannot be read: the clients' labels become stubs", async () => {
    const harness = await e2e.start({ seed: 99, rateLimit: false, companies: [{ id: FULL, ...sizes }] });
    harness.fake.faults.failNext(10_000, { status: 502, path: '/labels/{company_id}/{entity}' });
    const result = await runSync({ ...harness.env, YCLIENTS_HTTP_TIMEOUT_MS: '1000' });
    expect(result.code, result.stderr).toBe(5);
    const [stubs] = await query<{ n: string }>(
      'select count(*) as n from yclients.client_categories where company_id = $1 and is_stub',
      [FULL],
    );
    expect(Number(stubs!.n)).toBeGreaterThan(0);
    expect(
      await compareWithTruth(harness.db.url, harness.fake, FULL, { notSynced: ['client_categories'] }),
    ).toEqual([]);
  });
});

describe("records on the boundaries of the full load's windows", () => {
  it('visits at 00:00 and 23:59 local belong to one window each: kept while live, deleted when gone', async () => {
    const harness = await e2e.start({
      seed: 100,
      rateLimit: false,
      companies: [{ id: FULL, clients: 100, records: 9_500, transactions: 10 }],
    });
    const c = harness.fake.company(FULL);
    const times = [...c.records.list()].map((r) => String(r.datetime));
    const offset = times[0]!.slice(-6); // e.g. +03:00
    const days = [...new Set(times.map((t) => t.slice(0, 10)))].sort();
    // A window is read up to its last day's 23:59:00 local (YClients' end_date ends there) and reaches
    // into the next window's first day; a visit at 00:00 or at 23:59 on every day of the range sits on
    // every window's edges, whichever days the windows start on.
    const first = Date.parse(`${days[0]}T00:00:00${offset}`);
    const last = Date.parse(`${days.at(-1)}T00:00:00${offset}`);
    const edges: number[] = [];
    for (let t = first; t <= last; t += 86_400_000) {
      for (const at of [t, t + (23 * 60 + 59) * 60_000])
        edges.push(c.records.insert({ datetime: at, deleted: false }).id);
    }
    const load = await runSync(harness.env, ['--only', 'records']);
    expect(load.code, load.stderr).toBe(0);
    const windows = new Set(
      harness.fake.requests
        .filter((r) => r.template === '/records/{company_id}')
        .map((r) => r.query.start_date),
    );
    expect(windows.size).toBeGreaterThanOrEqual(3); // two probes' undefined, and two windows or more
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL, { synced: ['records'] })).toEqual([]);
    // every one of them gone upstream without a trace: the next full load soft-deletes each one
    // (more than a tenth of each window, so the mass-delete brake would want a confirmation: given)
    for (const id of edges) expect(c.records.vanish(id)).toBe(true);
    const again = await runSync(harness.env, ['--only', 'records', '--full', '--confirm-deletes']);
    expect(again.code, again.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, FULL, { synced: ['records'] })).toEqual([]);
  });
});
