/**
 * The default path, as a new user's cron runs it: the packaged `yclients-sync` bin as a child process,
 * off a terminal, with DATABASE_URL unset, so the embedded PostgreSQL is started (in a temporary
 * EMBEDDED_PG_DIR). Every exit code is the one the log's last line gives, and stdout and stderr carry
 * nothing but JSON lines, in success and in failure.
 *
 * Embedded servers cost seconds to start, so the file starts few: one cluster, created by the first run;
 * the run that meets the lock joins the server of the run holding it; the others each start it again (a
 * restart takes a fraction of a second). Nothing waits on the clock: the run holding the lock hangs on a
 * request the simulator never answers until the test stops it.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runningServerPort } from '@yclients-pg/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, nonJsonLines, type SyncResult, spawnCli, startHarness } from '../helpers/harness';

const COMPANY = 301;
const dir = mkdtempSync(path.join(os.tmpdir(), 'ypg-cli-'));
// Under /tmp and open, so the `postgres` OS user reaches the data when the suite runs as root.
chmodSync(dir, 0o755);

let harness: Harness;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  harness = await startHarness({
    seed: 31,
    rateLimit: false,
    companies: [{ id: COMPANY, clients: 400, records: 900, transactions: 200 }],
  });
  const { DATABASE_URL: _unset, ...rest } = harness.env;
  env = { ...rest, EMBEDDED_PG_DIR: path.join(dir, 'pg'), ENV_FILE: '/nonexistent' };
});

afterAll(async () => {
  await harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(extra: NodeJS.ProcessEnv = {}, args: string[] = []) {
  return spawnCli({ ...env, ...extra }, args, dir);
}

/** Exit code, clean output, and the code named by the last log line agree. */
function expectOutcome(result: SyncResult, code: number): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(nonJsonLines(output), output).toEqual([]);
  expect(result.code, output).toBe(code);
  const last = result.logs.at(-1);
  if (code !== 0) expect(last?.exitCode, output).toBe(code);
}

describe('yclients-sync with the embedded PostgreSQL (DATABASE_URL unset)', () => {
  it('exits 2 on a bad configuration, before any server is started', async () => {
    const result = await run({ YCLIENTS_COMPANY_IDS: 'abc' }).exited;
    expectOutcome(result, 2);
    expect(result.stderr).toContain('YCLIENTS_COMPANY_IDS');
    expect(existsSync(path.join(dir, 'pg'))).toBe(false);
  });

  it('exits 6 when the embedded server cannot start', async () => {
    const file = path.join(dir, 'not-a-directory');
    writeFileSync(file, '');
    const result = await run({ EMBEDDED_PG_DIR: path.join(file, 'pg') }).exited;
    expectOutcome(result, 6);
    expect(result.stderr).toContain('embedded PostgreSQL');
  });

  it('exits 0 on a full sync', async () => {
    const result = await run().exited;
    expectOutcome(result, 0);
    expect(result.logs.map((l) => l.event)).toContain('sync finished');
  });

  it('exits 3 for a second run that meets the lock, and 143 for a run stopped by SIGTERM', async () => {
    // The first run holds the lock on a request that gets no answer until it is stopped.
    harness.fake.faults.hangNext(1, { path: '/company/{company_id}/staff' });
    const first = run({ YCLIENTS_HTTP_TIMEOUT_MS: '600000' }, ['--full']);
    try {
      while (!harness.fake.requests.some((r) => r.outcome === 'hang')) {
        const early = await Promise.race([first.exited, new Promise((r) => setTimeout(r, 25))]);
        if (early) throw new Error(`the first run ended early: ${JSON.stringify(early)}`);
      }
      const second = await run().exited;
      expectOutcome(second, 3);
      expect(second.stderr).toContain('another sync is running');
    } finally {
      first.child.kill('SIGTERM');
    }
    const stopped = await first.exited;
    expectOutcome(stopped, 143);
    expect(stopped.logs.at(-1)?.event).toMatch(/stopped by SIGTERM/);
    harness.fake.faults.clear();
  });

  it('exits 4 when YClients refuses the credentials', async () => {
    const result = await run({ YCLIENTS_USER_TOKEN: 'wrong-user-token-123' }).exited;
    expectOutcome(result, 4);
    expect(result.stderr).not.toContain('wrong-user-token-123');
  });

  it('exits 5 when an entity keeps failing while the others sync', async () => {
    harness.fake.faults.failNext(10_000, { status: 502, path: /\/records\// });
    try {
      const result = await run({ YCLIENTS_HTTP_TIMEOUT_MS: '1000' }, ['--full']).exited;
      expectOutcome(result, 5);
    } finally {
      harness.fake.faults.clear();
    }
  });

  it('exits 130 on Ctrl-C, marks the run abandoned and stops the server it started', async () => {
    harness.fake.faults.hangNext(1, { path: '/clients/{company_id}' });
    const run1 = run({ YCLIENTS_HTTP_TIMEOUT_MS: '600000' }, ['--full']);
    while (!harness.fake.requests.some((r) => r.outcome === 'hang' && r.path.includes('/clients/')))
      await new Promise((r) => setTimeout(r, 25));
    run1.child.kill('SIGINT');
    const result = await run1.exited;
    expectOutcome(result, 130);
    expect(result.logs.at(-1)?.event).toMatch(/stopped by SIGINT/);
    const dataDir = path.join(dir, 'pg');
    expect(runningServerPort(dataDir)).toBeNull();
    // The run log says so: start the server again (a status run) and read it.
    const status = await run({}, ['status', '--json']).exited;
    expectOutcome(status, 0);
    const [report] = status.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(report.runs[0]).toMatchObject({ status: 'abandoned', error: 'interrupted by SIGINT' });
  });
});
