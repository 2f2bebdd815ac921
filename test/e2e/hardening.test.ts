/**
 * Hardening (issue 14), end to end: the company lock holds or the run knows it lost it, ordinary
 * database failures get their documented exit codes, the sync's own timeouts. The simulator over HTTP,
 * a real PostgreSQL, the CLI in-process or as a child process.
 */
import { withClient, withDatabase } from '@yclients-pg/sql';
import { describe, expect, it } from 'vitest';
import { compareWithTruth } from '../helpers/compare';
import { adminDatabaseUrl } from '../helpers/database';
import { runSync, spawnSync, until, useHarness } from '../helpers/harness';

const COMPANY = 101;
const small = { clients: 650, records: 2500, transactions: 450 };

const e2e = useHarness();
const { query } = e2e;

/** The backend holding a company's sync lock, if any. */
async function lockHolder(): Promise<number | null> {
  const [row] = await query<{ pid: number }>(
    // pg_locks is the whole server's: other test files sync company 101 in their own databases
    `select pid from pg_locks where locktype = 'advisory' and classid = 22851 and objid = $1 and granted
       and database = (select oid from pg_database where datname = current_database())`,
    [COMPANY],
  );
  return row?.pid ?? null;
}

describe('the company lock holds, or the run knows it is lost', () => {
  it('a run whose lock session is terminated stops without writing again (exit 6); the next run heals', async () => {
    const harness = await e2e.start({
      seed: 71,
      rateLimit: false,
      companies: [{ id: COMPANY, clients: 3000, records: 300, transactions: 50 }],
    });
    const run = spawnSync({ ...harness.env, YCLIENTS_RPS: '3', YCLIENTS_RPM: '1000' }, ['--only', 'clients']);
    await until(async () => {
      const [row] = await query<{ n: string }>(
        'select count(*) as n from yclients.clients where company_id = $1',
        [COMPANY],
      );
      return Number(row!.n) >= 600;
    });
    const pid = await lockHolder();
    expect(pid).not.toBeNull();
    await query('select pg_terminate_backend($1)', [pid]);
    const [after] = await query<{ n: string }>('select count(*) as n from yclients.clients');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain('nothing more was written');
    const [atExit] = await query<{ n: string }>('select count(*) as n from yclients.clients');
    expect(atExit!.n).toBe(after!.n); // not a row after the lock was gone
    expect(await lockHolder()).toBeNull();
    const next = await runSync(harness.env, ['--only', 'clients']);
    expect(next.code, next.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY, { synced: ['clients'] })).toEqual(
      [],
    );
  });

  it("a database's idle_session_timeout does not end the lock's session while the run waits on the API", async () => {
    const harness = await e2e.start({ seed: 72, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const name = new URL(harness.db.url).pathname.slice(1);
    await withClient(adminDatabaseUrl(), (c) =>
      c.query(`alter database "${name}" set idle_session_timeout = '3s'`),
    );
    // an answer that never comes: the run waits 4.5 s on the API, its database session idle meanwhile
    harness.fake.faults.hangNext(1, { path: '/clients/{company_id}' });
    const result = await runSync({ ...harness.env, YCLIENTS_HTTP_TIMEOUT_MS: '4500' });
    expect(result.code, result.stderr).toBe(0);
    // The comparison's own session computes the truth between its queries: no time limit for it.
    await withClient(adminDatabaseUrl(), (c) =>
      c.query(`alter database "${name}" reset idle_session_timeout`),
    );
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });
});

describe('exit codes for ordinary database failures', () => {
  it('a merge blocked by another session fails fast (lock timeout): exit 5, and the next run retries', async () => {
    const harness = await e2e.start({ seed: 73, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const c = harness.fake.company(COMPANY);
    const client = [...c.clients.list()][5]!;
    c.clients.update(client.id, { name: 'Пока заблокирована' });
    await withClient(harness.db.url, async (blocker) => {
      await blocker.query('begin');
      await blocker.query('select 1 from yclients.clients where company_id = $1 and id = $2 for update', [
        COMPANY,
        client.id,
      ]);
      const blocked = await runSync({ ...harness.env, DATABASE_LOCK_TIMEOUT_MS: '300' }, [
        '--only',
        'clients',
      ]);
      expect(blocked.code, blocked.stderr).toBe(5);
      expect(blocked.stderr).toMatch(/lock timeout/);
      await blocker.query('rollback');
    });
    const next = await runSync(harness.env, ['--only', 'clients', '--full']);
    expect(next.code, next.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, COMPANY)).toEqual([]);
  });

  it('TLS the server cannot give: exit 6 naming TLS, not a stack trace', async () => {
    const harness = await e2e.start({ seed: 74, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const url = new URL(harness.db.url);
    url.searchParams.set('sslmode', 'require');
    const result = await runSync({ ...harness.env, DATABASE_URL: url.toString() });
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toMatch(/no TLS connection to the database/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a user that may not create the schema: exit 2 with the GRANT an administrator can run', async () => {
    const harness = await e2e.start({ seed: 75, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const admin = adminDatabaseUrl();
    const db = `yc_noperm_${process.pid}`;
    const role = `yc_noperm_${process.pid}`;
    await withClient(admin, async (c) => {
      await c.query(`drop database if exists ${db}`);
      await c.query(`drop role if exists ${role}`);
      await c.query(`create role ${role} login password 'pw'`);
      await c.query(`create database ${db}`);
      await c.query(`revoke create on database ${db} from public`);
    });
    await withClient(withDatabase(admin, db), (c) => c.query('revoke create on schema public from public'));
    try {
      const url = new URL(withDatabase(admin, db));
      url.username = role;
      url.password = 'pw';
      const result = await runSync({ ...harness.env, DATABASE_URL: url.toString() });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`GRANT CREATE ON DATABASE \\"${db}\\" TO \\"${role}\\"`);
      expect(result.stderr).not.toContain('pw@');
    } finally {
      await withClient(admin, async (c) => {
        await c.query(`drop database if exists ${db} with (force)`);
        await c.query(`drop role if exists ${role}`);
      });
    }
  });

  it('a user with CREATE on its database but not on public migrates and syncs (least privilege)', async () => {
    const harness = await e2e.start({ seed: 78, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const admin = adminDatabaseUrl();
    const db = `yc_least_${process.pid}`;
    const role = `yc_least_${process.pid}`;
    await withClient(admin, async (c) => {
      await c.query(`drop database if exists ${db}`);
      await c.query(`drop role if exists ${role}`);
      await c.query(`create role ${role} login password 'pw'`);
      await c.query(`create database ${db}`);
      await c.query(`grant create on database ${db} to ${role}`);
    });
    await withClient(withDatabase(admin, db), (c) => c.query('revoke create on schema public from public'));
    try {
      const url = new URL(withDatabase(admin, db));
      url.username = role;
      url.password = 'pw';
      const result = await runSync({ ...harness.env, DATABASE_URL: url.toString() });
      expect(result.code, result.stderr).toBe(0);
      expect(await compareWithTruth(url.toString(), harness.fake, COMPANY)).toEqual([]);
      const inPublic = await withClient(
        withDatabase(admin, db),
        async (c) =>
          (
            await c.query(
              "select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace",
            )
          ).rows[0].n,
      );
      expect(inPublic).toBe(0);
    } finally {
      await withClient(admin, async (c) => {
        await c.query(`drop database if exists ${db} with (force)`);
        await c.query(`drop role if exists ${role}`);
      });
    }
  });

  it('status never migrates, works for a read-only monitoring role, and masks what older runs stored', async () => {
    const harness = await e2e.start({ seed: 79, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    expect((await runSync(harness.env)).code).toBe(0);
    const { partnerToken } = harness.fake.credentials;
    // an error stored by an older version, before errors were masked at rest
    await query(`update yclients_sync.sync_state set last_error = $1 where entity = 'staff'`, [
      `HTTP 400: Bearer ${partnerToken} echoed`,
    ]);
    const role = `yc_monitor_${process.pid}`;
    await withClient(adminDatabaseUrl(), async (c) => {
      await c.query(`drop role if exists ${role}`);
      await c.query(`create role ${role} login password 'pw'`);
    });
    await query(`grant usage on schema yclients_sync to ${role}`);
    await query(`grant select on all tables in schema yclients_sync to ${role}`);
    try {
      const url = new URL(harness.db.url);
      url.username = role;
      url.password = 'pw';
      const status = await runSync({ ...harness.env, DATABASE_URL: url.toString() }, ['status']);
      expect(status.code, status.stderr).toBe(0);
      const doc = JSON.parse(status.stdout);
      expect(doc.states.length).toBeGreaterThan(0);
      expect(status.stdout).not.toContain(partnerToken);
      expect(status.stdout).toContain('echoed');
    } finally {
      await query(`revoke all on all tables in schema yclients_sync from ${role}`);
      await query(`revoke usage on schema yclients_sync from ${role}`);
      await withClient(adminDatabaseUrl(), (c) => c.query(`drop role if exists ${role}`));
    }
  });

  it('a company id above 2^31 syncs (ids are bigint everywhere)', async () => {
    const big = 3_000_000_001;
    const harness = await e2e.start({
      seed: 76,
      rateLimit: false,
      companies: [{ id: big, clients: 50, records: 100, transactions: 20 }],
    });
    const result = await runSync(harness.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await compareWithTruth(harness.db.url, harness.fake, big)).toEqual([]);
  });
});

describe('no secret at rest or on screen', () => {
  it('errors that echo the Authorization header or the login body are stored and shown masked', async () => {
    const harness = await e2e.start({ seed: 77, rateLimit: false, companies: [{ id: COMPANY, ...small }] });
    const { partnerToken, userToken } = harness.fake.credentials;
    harness.fake.faults.echoNext(1, { path: '/company/{company_id}/staff' });
    const result = await runSync(harness.env, ['--only', 'staff']);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain('Некорректный запрос'); // the upstream message is kept…
    const stored = JSON.stringify(
      await query(`select (select json_agg(last_error) from yclients_sync.sync_state) as state,
                          (select json_agg(error) from yclients_sync.sync_runs) as runs,
                          (select json_agg(error) from yclients_sync.sync_run_entities) as entities`),
    );
    expect(stored).toContain('Некорректный запрос');
    const status = await runSync(harness.env, ['status']);
    expect(status.code).toBe(0);
    for (const text of [result.stdout, result.stderr, stored, status.stdout, status.stderr]) {
      expect(text).not.toContain(partnerToken); // …its secrets are not
      expect(text).not.toContain(userToken);
    }

    // a password holding " and \ is echoed JSON-escaped by the login answer
    const password = 'pa"ss\\wörd';
    harness.fake.faults.echoNext(1, { path: '/auth' });
    const login = await runSync({
      ...harness.env,
      YCLIENTS_USER_TOKEN: '',
      YCLIENTS_LOGIN: 'admin@salon.ru',
      YCLIENTS_PASSWORD: password,
    });
    expect(login.code, login.stderr).toBe(4);
    const runs = JSON.stringify(await query('select error from yclients_sync.sync_runs'));
    for (const text of [login.stdout, login.stderr, runs]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(JSON.stringify(password).slice(1, -1));
      expect(text).not.toContain(partnerToken);
    }
  });
});
