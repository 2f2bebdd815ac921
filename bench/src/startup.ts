/**
 * Suite 5: how long a command takes before it has done its job, side by side in one run with what no
 * command can beat (bare `node -e 0`, `pnpm --version`). Each command runs as cron runs it, as a child
 * process, through the `yclients-sync` bin (pnpm's shim in node_modules/.bin) and through `pnpm sync`;
 * `--help` and the configuration error also the way they ran before the CLI was prebuilt: node compiling
 * the TypeScript sources with tsx, and (`--help` only) behind the two pnpm processes `pnpm sync` then
 * started.
 *
 * - `--help`
 * - a configuration error (exit 2)
 * - a second run meeting the lock (exit 3): this process holds the company's advisory lock, against a
 *   scratch database and against the embedded PostgreSQL (the default; the run joins the server this
 *   process started, as a second cron run joins the first one's)
 * - a no-op sync of a small salon (exit 0): the simulator in its own process with its limits raised, so
 *   the API budget does not hide the start-up; one full sync first, not counted
 *
 * Each command runs once to warm the file cache, then `runs` times; the table shows the median and the
 * range. Goals (issue 13, this 2-core machine): through the bin, the first three within 0.5 s of bare
 * node; through `pnpm sync`, within 0.8 s of `pnpm --version`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, SYNC_LOCK_CLASS, startEmbeddedPostgres } from '@yclients-pg/sql';
import pg from 'pg';
import { createScratchDatabase } from './database';
import type { NotMeasured } from './report';
import { startSimulator } from './sync-suites';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'yclients-sync');
const COMPANY_ID = 4564;
/** How the CLI ran before it was prebuilt: TypeScript compiled by tsx at every start. */
const BEFORE = ['--max-old-space-size=128', '--import', 'tsx', path.join(ROOT, 'apps/sync/src/bin.ts')];

export type StartupCase = 'baseline' | 'help' | 'config error' | 'lock' | 'lock, embedded' | 'no-op sync';
export type StartupVia =
  | 'node -e 0'
  | 'pnpm --version'
  | 'yclients-sync'
  | 'pnpm sync'
  | 'tsx (before)'
  | 'pnpm sync (before)';

export interface StartupRow {
  case: StartupCase;
  via: StartupVia;
  exitCode: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface StartupResult {
  status: 'measured';
  rows: StartupRow[];
  note: string;
}

interface Command {
  file: string;
  args: string[];
}

function via(v: StartupVia, args: string[]): Command {
  switch (v) {
    case 'node -e 0':
      return { file: process.execPath, args: ['-e', '0'] };
    case 'pnpm --version':
      return { file: 'pnpm', args: ['--version'] };
    case 'yclients-sync':
      return { file: BIN, args };
    case 'pnpm sync':
      return { file: 'pnpm', args: ['sync', ...args] };
    case 'tsx (before)':
      return { file: process.execPath, args: [...BEFORE, ...args] };
    case 'pnpm sync (before)':
      // What `pnpm sync` ran before: pnpm, a second pnpm (--filter), then node compiling with tsx.
      return {
        file: 'pnpm',
        args: [
          'exec',
          'pnpm',
          '--silent',
          '--filter',
          '@yclients-pg/sync',
          'exec',
          'node',
          ...BEFORE,
          ...args,
        ],
      };
  }
}

function once(command: Command, env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { cwd: ROOT, env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      resolve({ ms: performance.now() - started, code: code ?? (signal ? 128 : 1) }),
    );
  });
}

async function measure(
  c: StartupCase,
  v: StartupVia,
  args: string[],
  env: NodeJS.ProcessEnv,
  runs: number,
  expected: number,
  log: (line: string) => void,
): Promise<StartupRow> {
  const command = via(v, args);
  await once(command, env); // warm-up: file cache, tsx's cache
  const times: number[] = [];
  let exitCode = 0;
  for (let i = 0; i < runs; i++) {
    const { ms, code } = await once(command, env);
    if (code !== expected) throw new Error(`${c} via ${v} exited ${code}, expected ${expected}`);
    exitCode = code;
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const row: StartupRow = {
    case: c,
    via: v,
    exitCode,
    runs,
    medianMs: times[Math.floor(times.length / 2)]!,
    minMs: times[0]!,
    maxMs: times.at(-1)!,
  };
  log(
    `  ${c} via ${v}: median ${row.medianMs.toFixed(0)} ms (${row.minMs.toFixed(0)}–${row.maxMs.toFixed(0)})`,
  );
  return row;
}

/** Holds the sync's advisory lock for COMPANY_ID on `url` until `release()`. */
async function holdLock(url: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('select pg_advisory_lock($1, $2)', [SYNC_LOCK_CLASS, COMPANY_ID]);
  return { release: () => client.end() };
}

export async function runStartupSuite(options: {
  serverUrl: string;
  quick: boolean;
  log: (line: string) => void;
}): Promise<StartupResult | NotMeasured> {
  const { log } = options;
  const runs = options.quick ? 5 : 11;
  const rows: StartupRow[] = [];
  const sim = await startSimulator({
    seed: 20261128,
    companyId: COMPANY_ID,
    clients: 300,
    records: 1000,
    transactions: 300,
    raiseLimits: true,
  });
  const db = await createScratchDatabase(options.serverUrl);
  const embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'ypg-bench-startup-'));
  chmodSync(embeddedDir, 0o755); // as root, the server's `postgres` OS user must reach it
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ENV_FILE: '/nonexistent',
    YCLIENTS_BASE_URL: sim.url,
    YCLIENTS_PARTNER_TOKEN: sim.partnerToken,
    YCLIENTS_USER_TOKEN: sim.userToken,
    YCLIENTS_COMPANY_IDS: String(COMPANY_ID),
    YCLIENTS_RPS: '1000',
    YCLIENTS_RPM: '100000',
  };
  const withDb = { ...base, DATABASE_URL: db.url };
  try {
    const m = async (c: StartupCase, v: StartupVia, args: string[], env: NodeJS.ProcessEnv, code: number) =>
      rows.push(await measure(c, v, args, env, runs, code, log));
    await m('baseline', 'node -e 0', [], base, 0);
    await m('baseline', 'pnpm --version', [], base, 0);
    const before = ['tsx (before)', 'pnpm sync (before)'] as const;
    for (const v of ['yclients-sync', 'pnpm sync', ...before] as const)
      await m('help', v, ['--help'], base, 0);
    const badConfig = { ...withDb, YCLIENTS_COMPANY_IDS: 'abc' };
    // (pnpm exec turns a child's exit 2 into its own 1: the old pnpm path is timed on --help only)
    for (const v of ['yclients-sync', 'pnpm sync', 'tsx (before)'] as const)
      await m('config error', v, [], badConfig, 2);

    const lock = await holdLock(db.url);
    try {
      for (const v of ['yclients-sync', 'pnpm sync'] as const) await m('lock', v, [], withDb, 3);
    } finally {
      await lock.release();
    }

    const embedded = await startEmbeddedPostgres({ dataDir: path.join(embeddedDir, 'pg') });
    try {
      await migrate(embedded.url);
      const embeddedLock = await holdLock(embedded.url);
      try {
        const env = { ...base, EMBEDDED_PG_DIR: path.join(embeddedDir, 'pg') };
        for (const v of ['yclients-sync', 'pnpm sync'] as const) await m('lock, embedded', v, [], env, 3);
      } finally {
        await embeddedLock.release();
      }
    } finally {
      await embedded.stop();
    }

    const full = await once(via('yclients-sync', ['--full']), withDb);
    if (full.code !== 0) throw new Error(`the first full sync exited ${full.code}`);
    for (const v of ['yclients-sync', 'pnpm sync'] as const) await m('no-op sync', v, [], withDb, 0);
  } catch (error) {
    log(`  not measured: ${String(error)}`);
    return { status: 'not measured', reason: String(error) };
  } finally {
    await sim.stop();
    await db.drop().catch(() => {});
    rmSync(embeddedDir, { recursive: true, force: true });
  }
  return {
    status: 'measured',
    rows,
    note:
      `Wall time from spawn to exit, ${runs} runs after one warm-up, median (min–max). ` +
      'The no-op sync is a small salon (300 clients, 1,000 records, 300 transactions) with nothing new, ' +
      "the simulator's limits and the sync's budget raised so that the API's 5 requests a second do not " +
      'hide the start-up (about 12 requests). `lock, embedded`: DATABASE_URL unset, the run finds the ' +
      "embedded server this process started (as a second cron run finds the first one's) and meets the lock.",
  };
}
