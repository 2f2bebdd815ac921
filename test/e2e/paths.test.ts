/**
 * Paths the other end-to-end suites do not take (issue 19): resuming a records and a transactions read
 * after SIGKILL, several companies with mixed outcomes, the login path, a simulator clock behind the
 * sync's, and an entity waiting for its next try. The simulator over HTTP, a real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { compareWithTruth } from '../helpers/compare';
import { killSync, runSync, spawnSync, until, useHarness } from '../helpers/harness';

const COMPANY = 101;

const e2e = useHarness();
const { query } = e2e;

const count = async (table: string) =>
  Number((await query<{ n: string }>(`select count(*) as n from yclients.${table}`))[0]!.n);

describe('a read killed with SIGKILL resumes where it stopped', () => {
  it('records: the full load resumes at its position, reading no page twice but the one in flight', async () => {
    const records = 12_000;
    const harness = await e2e.start({
      seed: 81,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 200, records, transactions: 10 }],
    });
    const run = spawnSync({ ...harness.env, YCLIENTS_RPS: '4', YCLIENTS_RPM: '1000' }, ['--only', 'records']);
    await until(async () => (await count('records')) >= 4000);
    await killSync(run, harness.db.url);
    const landed = await count('records');
    harness.fake.clearRequests();
    const resumed = await runSync(harness.env, ['--only', 'records']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.logs.some((l) => l.event === 'records: resuming an interrupted full load')).toBe(true);
    const pages = harness.fake.requests.filter((r) => r.template === '/records/{company_id}').length;
    // what was left, one page in flight, one partial page per window left, the two probes of a no-op
    expect(pages).toBeLessThanOrEqual(Math.ceil((records - landed) / 1000) + 1 + 2 + 2);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['records'] })).toEqual(
      [],
    );
  });

  it('transactions: the history read resumes at its next page', async () => {
    const harness = await e2e.start({
      seed: 82,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 100, records: 100, transactions: 4000 }],
    });
    const run = spawnSync({ ...harness.env, YCLIENTS_RPS: '4', YCLIENTS_RPM: '1000' }, [
      '--only',
      'transactions',
    ]);
    await until(async () => (await count('financial_transactions')) >= 1000);
    await killSync(run, harness.db.url);
    const landed = await count('financial_transactions');
    harness.fake.clearRequests();
    const resumed = await runSync(harness.env, ['--only', 'transactions']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const pages = harness.fake.requests.filter((r) => r.template === '/transactions/{company_id}');
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((r) => r.query.start_date === '2000-01-01')).toBe(true); // still the history
    expect(pages.length).toBeLessThanOrEqual(Math.ceil((4000 - landed) / 200) + 1 + 1);
    expect(
      await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['transactions'] }),
    ).toEqual([]);
  });
});

describe('several companies, mixed outcomes', () => {
  const sizes = { clients: 60, records: 200, transactions: 30 };

  it('one refused, one synced: exit 5 and the good one complete; both refused: exit 4', async () => {
    const harness = await e2e.start({
      seed: 83,
      rateLimit: false,
      companies: [
        { id: 101, ...sizes },
        { id: 202, ...sizes, licenceExpired: true },
      ],
    });
    const mixed = await runSync(harness.env);
    expect(mixed.code, mixed.stderr).toBe(5);
    expect(await compareWithTruth(harness.db.url, harness.fake, 101)).toEqual([]);
    // (--full: its entities would otherwise wait for their next try)
    const refused = await runSync({ ...harness.env, YCLIENTS_COMPANY_IDS: '202' }, ['--full']);
    expect(refused.code, refused.stderr).toBe(4);
    const [run] = await query<{ status: string }>(
      'select status from yclients_sync.sync_runs order by id desc limit 1',
    );
    expect(run?.status).toBe('failed');
  });
});

describe('the login path', () => {
  it('with a login and a password instead of a user token: synced, the password nowhere in the output', async () => {
    const harness = await e2e.start({
      seed: 84,
      rateLimit: false,
      companies: [{ id: COMPANY, ...{ clients: 60, records: 200, transactions: 30 } }],
    });
    const { login, password } = harness.fake.credentials;
    const result = await runSync({
      ...harness.env,
      YCLIENTS_USER_TOKEN: '',
      YCLIENTS_LOGIN: login,
      YCLIENTS_PASSWORD: password,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(harness.fake.requests.filter((r) => r.path.endsWith('/auth'))).toHaveLength(1);
    expect(`${result.stdout}${result.stderr}`).not.toContain(password);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });
});

describe('clocks that disagree', () => {
  it("a simulator clock 40 minutes behind the sync's: the overlap still catches the changes", async () => {
    const harness = await e2e.start({
      seed: 85,
      rateLimit: false,
      now: new Date(Date.now() - 40 * 60_000),
      companies: [{ id: COMPANY, clients: 400, records: 800, transactions: 30 }],
    });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(COMPANY);
    const client = [...c.clients.list()][7]!;
    const record = [...c.records.list()][9]!;
    c.clients.update(client.id, { name: 'Поменяла фамилию' }); // stamped 40 minutes in the sync's past
    c.records.update(record.id, { comment: 'перенесли' });
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });
});

describe('an entity waiting for its next try', () => {
  it('is skipped by the next run (no request, still exit 5), and tried again once its time has come', async () => {
    const harness = await e2e.start({
      seed: 86,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 60, records: 200, transactions: 30 }],
    });
    harness.fake.faults.failNext(1000, { status: 502, path: '/records/{company_id}' });
    expect((await runSync({ ...harness.env, YCLIENTS_HTTP_TIMEOUT_MS: '1000' })).code).toBe(5);
    harness.fake.faults.clear();
    harness.fake.clearRequests();
    const waiting = await runSync(harness.env);
    expect(waiting.code, waiting.stderr).toBe(5);
    expect(harness.fake.requests.filter((r) => r.template === '/records/{company_id}')).toEqual([]);
    expect(waiting.logs.some((l) => l.entity === 'records' && String(l.event).startsWith('skipped'))).toBe(
      true,
    );
    await query(
      "update yclients_sync.sync_state set next_try_at = now() - interval '1 second' where entity = 'records'",
    );
    const due = await runSync(harness.env);
    expect(due.code, due.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });
});
