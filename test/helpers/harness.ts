/**
 * End-to-end harness: the simulator as a real HTTP server, a fresh migrated database, and the sync run
 * either in-process (through the CLI's `main`, exit code and all) or as a child process (so a test can
 * SIGKILL it mid-run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withClient } from '@yclients-pg/sql';
import { main } from '@yclients-pg/sync';
import { createYclientsFake } from '@yclients-pg/yclients-fake';
import type pg from 'pg';
import { afterEach } from 'vitest';
import { createMigratedTestDatabase, type TestDatabase } from './database';

export type Fake = ReturnType<typeof createYclientsFake>;
export type FakeOptions = NonNullable<Parameters<typeof createYclientsFake>[0]>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Harness {
  fake: Fake;
  url: string;
  db: TestDatabase;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startHarness(options: FakeOptions, env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const fake = createYclientsFake(options);
  const server = await fake.listen();
  const db = await createMigratedTestDatabase();
  const companyIds = (options.companies ?? []).map((c) => c.id).join(',');
  return {
    fake,
    url: server.url,
    db,
    env: {
      DATABASE_URL: db.url,
      YCLIENTS_BASE_URL: server.url,
      YCLIENTS_PARTNER_TOKEN: fake.credentials.partnerToken,
      YCLIENTS_USER_TOKEN: fake.credentials.userToken,
      YCLIENTS_COMPANY_IDS: companyIds,
      // The simulator enforces YClients' limits unless a test turns them off; the sync's own budget
      // is raised with them so tests stay quick.
      YCLIENTS_RPS: '1000',
      YCLIENTS_RPM: '100000',
      YCLIENTS_HTTP_TIMEOUT_MS: '3000',
      ...env,
    },
    close: async () => {
      await server.close();
      await db.drop();
    },
  };
}

/** The harness of a test file's running test, closed after each test (see useHarness). */
export interface TestHarness {
  /** startHarness, remembered as the running test's harness. */
  start(options: FakeOptions, env?: NodeJS.ProcessEnv): Promise<Harness>;
  /** The running test's harness; throws when the test has not started one. */
  readonly current: Harness;
  /** The rows of one query on the running test's database. */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<T[]>;
}

/**
 * One harness per test: call at the top of a test file; `start` begins a test's harness and an afterEach
 * hook closes it (the simulator stops and the database is dropped) after every test.
 */
export function useHarness(): TestHarness {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  const current = (): Harness => {
    if (!harness) throw new Error('no harness: the test has not started one');
    return harness;
  };
  return {
    async start(options, env) {
      harness = await startHarness(options, env);
      return harness;
    },
    get current() {
      return current();
    },
    async query<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []) {
      return withClient(current().db.url, async (client) => (await client.query<T>(text, params)).rows);
    },
  };
}

/** Resolves once `check` answers true (an answer that throws counts as false), polling every 25 ms. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch(() => false))) await new Promise((r) => setTimeout(r, 25));
}

export interface SyncResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON log lines. */
  logs: Array<Record<string, unknown>>;
}

/** Runs `pnpm sync <args>` in this process (JSON logs), returning the exit code and output. */
export async function runSync(env: NodeJS.ProcessEnv, args: string[] = []): Promise<SyncResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env,
    cwd: '/nonexistent-so-no-dotenv-is-read',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    isTTY: false,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), logs: parseLogs(err.join('\n')) };
}

function parseLogs(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface ChildSync {
  child: ChildProcess;
  exited: Promise<SyncResult>;
}

/** Runs `pnpm sync` as a child process (tsx), as cron would. */
export function spawnSync(env: NodeJS.ProcessEnv, args: string[] = []): ChildSync {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'apps/sync/src/bin.ts'), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, ENV_FILE: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<SyncResult>((resolve) => {
    child.on('exit', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, logs: parseLogs(stderr) }),
    );
  });
  return { child, exited };
}

/**
 * SIGKILL a running sync, as a crash or the OOM killer would, and wait until PostgreSQL has noticed: the
 * company locks of the killed process go only when the server sees its sockets close, which on a busy
 * machine can be after the next run asked for them (that run would rightly exit 3, "another sync is
 * running"; cron's next run comes minutes later).
 */
export async function killSync(run: ChildSync, databaseUrl: string): Promise<SyncResult> {
  run.child.kill('SIGKILL');
  const result = await run.exited;
  for (;;) {
    const held = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
          where l.locktype = 'advisory' and d.datname = current_database() and l.pid <> pg_backend_pid()`,
      );
      return rows[0]!.n;
    });
    if (held === 0) return result;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The packaged `yclients-sync` bin (pnpm's shim in the root node_modules/.bin), as cron runs it. */
export const YCLIENTS_SYNC_BIN = path.join(ROOT, 'node_modules', '.bin', 'yclients-sync');

/**
 * Runs the packaged `yclients-sync` bin as a child process with exactly `env` (plus PATH and HOME; no
 * DATABASE_URL unless given, so the embedded PostgreSQL is used), off a terminal, as cron would.
 */
export function spawnCli(env: NodeJS.ProcessEnv, args: string[] = [], cwd = ROOT): ChildSync {
  const child = spawn(YCLIENTS_SYNC_BIN, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<SyncResult>((resolve) => {
    // 'close', not 'exit': every byte written to stdout and stderr has arrived.
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, logs: parseLogs(stderr) }),
    );
  });
  return { child, exited };
}

/** The lines of `text` that are not one JSON object each (empty when the output is clean JSON lines). */
export function nonJsonLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return typeof value !== 'object' || value === null || Array.isArray(value);
      } catch {
        return true;
      }
    });
}
