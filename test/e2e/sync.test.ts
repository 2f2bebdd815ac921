/**
 * `pnpm sync` end to end: the simulator as a real HTTP server, a real PostgreSQL, the real CLI. One test
 * per user pain of design §7.
 */
import { describe, expect, it } from 'vitest';
import { compareWithTruth, rowVersions } from '../helpers/compare';
import { type Harness, killSync, runSync, spawnSync, useHarness } from '../helpers/harness';

const COMPANY = 101;
const small = { clients: 650, records: 2500, transactions: 450 };

const e2e = useHarness();
const { query } = e2e;

function requestsByPath(h: Harness): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of h.fake.requests) counts[r.template ?? r.path] = (counts[r.template ?? r.path] ?? 0) + 1;
  return counts;
}

describe('pnpm sync against the simulator', () => {
  it('a full sync equals the simulator exactly: every row and every link', async () => {
    const harness = await e2e.start({ seed: 1, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
    const [run] = await query<{ status: string }>('select status from yclients_sync.sync_runs');
    expect(run?.status).toBe('succeeded');
    // A full sync stays within ceil(rows / page size) per list + 10% + 5.
    const minimum =
      Math.ceil(small.clients / 300) +
      Math.ceil(small.records / 1000) +
      Math.ceil(small.transactions / 200) +
      7;
    expect(harness.fake.requests.length).toBeLessThanOrEqual(Math.ceil(minimum * 1.1) + 5 + 1);
  });

  it('a second run with nothing new makes about one request per entity and rewrites no row', async () => {
    const harness = await e2e.start({ seed: 2, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const before = await rowVersions(harness.db.url);
    harness.fake.clearRequests();
    const second = await runSync(harness.env);
    expect(second.code, second.stderr).toBe(0);
    expect(await rowVersions(harness.db.url)).toEqual(before);
    const counts = requestsByPath(harness);
    expect(counts['/clients/{company_id}']).toBe(2); // the ordinal check and one changed_after page
    expect(counts['/records/{company_id}']).toBe(2); // one changed_after page and one count probe
    // small catalogs: one each; transactions: the window's pages, the closing empty page, and the
    // answer that ends the list asked again (recheck: no total vouches for the end)
    for (const p of [
      '/company/{company_id}/staff',
      '/company/{company_id}/services',
      '/accounts/{company_id}',
    ]) {
      expect(counts[p]).toBe(1);
    }
    const windowRows = [...harness.fake.company(COMPANY).transactions.list()].filter(
      (t) => Date.parse(String(t.date).replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) > Date.now() - 31 * 86_400_000,
    ).length;
    expect(counts['/transactions/{company_id}']).toBeLessThanOrEqual(Math.ceil(windowRows / 200) + 2);
  });

  it('inserts, updates and deletes upstream (including deletes that shift pages) land after one incremental run', async () => {
    const harness = await e2e.start({ seed: 3, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(COMPANY);
    const clients = [...c.clients.list()];
    c.clients.delete(clients[0]!.id); // shifts every later page by one
    c.clients.delete(clients[400]!.id);
    c.clients.update(clients[10]!.id, { name: 'Изменённое Имя' });
    c.clients.insert({ name: 'Новая Клиентка' });
    const records = [...c.records.list()];
    c.records.delete(records[5]!.id);
    c.records.update(records[7]!.id, { comment: 'перенесено' });
    // Transactions are listed oldest first; the newest is inside the lookback window.
    const transactions = [...c.transactions.list()];
    c.transactions.delete(transactions.at(-1)!.id);

    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
    const [deleted] = await query<{ deleted_at: Date | null }>(
      'select deleted_at from yclients.clients where company_id = $1 and id = $2',
      [COMPANY, clients[0]!.id],
    );
    expect(deleted?.deleted_at).toBeInstanceOf(Date); // soft-deleted, not removed

    // A transaction deleted before the lookback window is invisible to the window; `--full` sees it.
    c.transactions.delete(transactions[0]!.id);
    expect((await runSync(harness.env, ['--full'])).code).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });

  it('a run killed mid-entity (SIGKILL) and started again loses nothing and re-fetches at most one page', async () => {
    const harness = await e2e.start({
      seed: 4,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 1500, records: 300, transactions: 50 }],
    });
    // Slow the client down so the kill lands between client pages.
    const slow = { ...harness.env, YCLIENTS_RPS: '2', YCLIENTS_RPM: '1000' };
    const run = spawnSync(slow, ['--only', 'clients']);
    for (;;) {
      const [state] = await query<{ last_ordinal: string | null }>(
        "select last_ordinal from yclients_sync.sync_state where company_id = $1 and entity = 'clients'",
        [COMPANY],
      ).catch(() => []);
      if (state && Number(state.last_ordinal) >= 600) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killSync(run, harness.db.url);
    const committed = Number(
      (
        await query<{ n: string }>(
          'select last_ordinal as n from yclients_sync.sync_state where entity = $1',
          ['clients'],
        )
      )[0]!.n,
    );
    harness.fake.clearRequests();
    const again = await runSync(harness.env, ['--only', 'clients']);
    expect(again.code, again.stderr).toBe(0);
    const pages = harness.fake.requests
      .filter((r) => r.template === '/clients/{company_id}' && !r.query.changed_after)
      .map((r) => Number(r.query.page));
    expect(pages.length).toBeGreaterThan(0);
    // It resumes at the first page not committed, so at most the page in flight is fetched again.
    expect(Math.min(...pages)).toBeGreaterThanOrEqual(Math.floor(committed / 300));
    expect(pages.filter((p) => p <= committed / 300).length).toBeLessThanOrEqual(1);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['clients'] })).toEqual(
      [],
    );
    const [abandoned] = await query<{ n: string }>(
      "select count(*) as n from yclients_sync.sync_runs where status = 'abandoned'",
    );
    expect(Number(abandoned!.n)).toBe(1);
  });

  it('two concurrent runs: one works, the other exits 3 at once', async () => {
    const harness = await e2e.start({ seed: 5, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const slow = { ...harness.env, YCLIENTS_RPS: '20' };
    const first = spawnSync(slow);
    // Wait until the first holds the lock.
    for (;;) {
      const rows = await query("select 1 from yclients_sync.sync_runs where status = 'running'").catch(
        () => [],
      );
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await runSync(harness.env);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain('another sync is running');
    expect((await first.exited).code).toBe(0);
  });

  it('5xx storms and 429s end in correct data', async () => {
    const harness = await e2e.start({ seed: 6, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    // Every kind of transient trouble, spread over the lists, each within the client's retry budget.
    const { faults } = harness.fake;
    faults.failNext(3, { status: 503, path: '/clients/{company_id}' });
    faults.rateLimitNext(2, { path: '/records/{company_id}' });
    faults.failNext(2, { status: 502, path: '/transactions/{company_id}' });
    faults.dropConnectionNext(1, { path: '/company/{company_id}/staff' });
    faults.truncateNext(1, { path: '/clients/{company_id}' });
    faults.successFalseNext(1, 'Превышен лимит запросов', { path: '/company/{company_id}/services' });
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(faults.pending()).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });

  it('a storm longer than the retry budget ends in exit 5 with a consistent database, and the next run heals', async () => {
    const harness = await e2e.start({ seed: 10, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(COMPANY);
    c.clients.insert({ name: 'После шторма' });
    harness.fake.faults.failNext(50, { status: 503 });
    const stormy = await runSync({ ...harness.env, YCLIENTS_HTTP_TIMEOUT_MS: '1000' });
    expect(stormy.code).toBe(5);
    const [run] = await query<{ status: string }>(
      'select status from yclients_sync.sync_runs order by id desc limit 1',
    );
    // the company lookup itself failed: no entity could run, so the run failed (exit 5 all the same)
    expect(run?.status).toBe('failed');
    harness.fake.faults.clear();
    // The failed entities wait for their next try; let that time pass.
    await query('update yclients_sync.sync_state set next_try_at = now() where next_try_at is not null');
    const healed = await runSync(harness.env);
    expect(healed.code, healed.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });

  it('an entity that keeps failing ends in exit 5 with the others synced and its retry scheduled', async () => {
    const harness = await e2e.start({ seed: 7, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    harness.fake.faults.failNext(10_000, { status: 502, path: /\/records\// });
    const result = await runSync({ ...harness.env, YCLIENTS_HTTP_TIMEOUT_MS: '1000' });
    expect(result.code).toBe(5);
    const states = await query<{ entity: string; status: string }>(
      'select entity, status from yclients_sync.sync_state',
    );
    expect(states.find((s) => s.entity === 'records')?.status).toBe('retry_waiting');
    expect(states.find((s) => s.entity === 'clients')?.status).toBe('succeeded');
    const [run] = await query<{ status: string }>('select status from yclients_sync.sync_runs');
    expect(run?.status).toBe('partial');
  });

  it('bad configuration exits 2 and refused credentials exit 4, with clear messages and no secrets', async () => {
    const harness = await e2e.start({
      seed: 8,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 5, records: 5, transactions: 5 }],
    });
    const bad = await runSync({ ...harness.env, YCLIENTS_COMPANY_IDS: 'abc' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('YCLIENTS_COMPANY_IDS');
    const refused = await runSync({ ...harness.env, YCLIENTS_USER_TOKEN: 'wrong-user-token-123' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).not.toContain('wrong-user-token-123');
    expect(refused.stderr).not.toContain(harness.fake.credentials.partnerToken);
    const badUrl = await runSync({ ...harness.env, DATABASE_URL: 'mysql://u:p@h/db' });
    expect(badUrl.code).toBe(2);
    const unreachable = await runSync({
      ...harness.env,
      DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/db',
    });
    expect(unreachable.code).toBe(6);
    expect(unreachable.stderr).not.toContain('secretpw');
  });

  it('--dry-run prints what would change and leaves the database as it was', async () => {
    const harness = await e2e.start({ seed: 11, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(COMPANY);
    c.clients.insert({ name: 'Пробная' });
    c.clients.update([...c.clients.list()][3]!.id, { name: 'Пробная правка' });
    const before = await rowVersions(harness.db.url);
    const [runsBefore] = await query<{ n: string }>('select count(*) as n from yclients_sync.sync_runs');
    const dry = await runSync(harness.env, ['--dry-run', '--only', 'clients']);
    expect(dry.code, dry.stderr).toBe(0);
    // The log says what would change, and that it was rolled back.
    expect(dry.logs.find((l) => l.event === 'entity synced' && l.entity === 'clients')).toMatchObject({
      inserted: 1,
      updated: 1,
    });
    expect(dry.logs.some((l) => String(l.event).startsWith('dry run finished'))).toBe(true);
    expect(await rowVersions(harness.db.url)).toEqual(before);
    const [runsAfter] = await query<{ n: string }>('select count(*) as n from yclients_sync.sync_runs');
    expect(runsAfter!.n).toBe(runsBefore!.n);
  });

  it("status shows the last runs, each entity's checkpoint and lag, and whether a run is going on", async () => {
    const harness = await e2e.start({ seed: 12, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const status = await runSync(harness.env, ['status']);
    expect(status.code, status.stderr).toBe(0);
    for (const entity of ['clients', 'records', 'transactions', 'staff'])
      expect(status.stdout).toContain(entity);
    // Off a terminal, status is one JSON document.
    const doc = JSON.parse(status.stdout) as {
      runningFor: number[];
      runs: Array<{ status: string }>;
      states: Array<{
        entity: string;
        status: string;
        last_ordinal: string | null;
        last_success: string | null;
      }>;
    };
    const clients = doc.states.find((s) => s.entity === 'clients');
    expect(Number(clients?.last_ordinal)).toBe(small.clients); // the specification's checkpoint
    expect(doc.states.every((s) => s.status === 'succeeded' && s.last_success !== null)).toBe(true);
    expect(doc.runningFor).toEqual([]);
    expect(doc.runs[0]?.status).toBe('succeeded');
    expect(doc.states.map((s) => s.entity).sort()).toEqual(
      [
        'accounts',
        'client_categories',
        'clients',
        'positions',
        'records',
        'service_categories',
        'services',
        'staff',
        'transactions',
      ].sort(),
    );
  });

  it('no token, password or client phone number reaches the output', async () => {
    const harness = await e2e.start({ seed: 13, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    harness.fake.faults.failNext(1, { status: 500, path: '/clients/{company_id}' });
    const result = await runSync({
      ...harness.env,
      YCLIENTS_PASSWORD: 'pa55-word-xyz',
      YCLIENTS_LOGIN: 'me@x.ru',
    });
    expect(result.code, result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain(harness.fake.credentials.partnerToken);
    expect(output).not.toContain(harness.fake.credentials.userToken);
    expect(output).not.toContain('pa55-word-xyz');
    const phones = [...harness.fake.company(COMPANY).clients.list()]
      .map((r) => String(r.phone ?? '').replace(/\D/g, ''))
      .filter((p) => p.length >= 10);
    expect(phones.length).toBeGreaterThan(100);
    const digits = output.replace(/\D/g, ' ');
    for (const phone of phones) expect(digits).not.toContain(phone.slice(-10));
  });

  it('SQL-injection strings and odd unicode are stored byte-exact', async () => {
    const harness = await e2e.start({
      seed: 9,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 20, records: 10, transactions: 10 }],
    });
    const names = ["Robert'); DROP TABLE yclients.clients;--", 'Zoë Ёлкина 🧖‍♀️ ‮RTL‬', '$1 $$ \\ "quoted" %s'];
    const ids = names.map((name) => harness.fake.company(COMPANY).clients.insert({ name }).id);
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    const rows = await query<{ id: string; name: string }>(
      'select id, name from yclients.clients where company_id = $1 and id = any($2)',
      [COMPANY, ids],
    );
    expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
  });
});
