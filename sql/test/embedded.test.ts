import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidDatabaseUrlError,
  redactDatabaseUrl,
  resolveDatabase,
  validateDatabaseUrl,
} from '../src/database-url';
import {
  effectiveDataDir,
  firstClosedAncestor,
  packagedBinaries,
  passwordFile,
  runningServerPort,
  startEmbeddedPostgres,
} from '../src/embedded';

const EMBEDDED_MODULE = fileURLToPath(new URL('../src/embedded.ts', import.meta.url));

const modes: Record<string, number> = { '/': 0o755, '/root': 0o700, '/root/app': 0o755, '/srv': 0o755 };
const fakeStat = (p: string) => ({ mode: modes[p] ?? 0o755 }) as import('node:fs').Stats;

describe('data directory as root', () => {
  it('finds the ancestor the postgres user cannot enter', () => {
    expect(firstClosedAncestor('/root/app/.data/pg', fakeStat)).toBe('/root');
    expect(firstClosedAncestor('/srv/app/.data/pg', fakeStat)).toBeNull();
  });

  it("counts the owner's and the group's bits for the server's own user", () => {
    const stat = (p: string) =>
      (p === '/home/pg'
        ? { mode: 0o750, uid: 0, gid: 104 }
        : { mode: 0o755, uid: 0, gid: 0 }) as import('node:fs').Stats;
    expect(firstClosedAncestor('/home/pg/data', stat, { uid: 101, gid: 104 })).toBeNull();
    expect(firstClosedAncestor('/home/pg/data', stat, { uid: 101, gid: 999 })).toBe('/home/pg');
  });

  it('keeps the asked-for directory for a normal user and when it is reachable', () => {
    expect(effectiveDataDir('/root/app/.data/pg', false)).toBe('/root/app/.data/pg');
    const tmp = path.join(os.tmpdir(), 'reachable', '.data', 'pg');
    expect(effectiveDataDir(tmp, true)).toBe(tmp);
  });
});

describe('DATABASE_URL', () => {
  it('rejects what is not a postgres URL without echoing it', () => {
    expect(() => validateDatabaseUrl('mysql://u:secret@h/db')).toThrow(InvalidDatabaseUrlError);
    expect(() => validateDatabaseUrl('not a url secret')).toThrow(/not a valid URL/);
    const thrown = (() => {
      try {
        validateDatabaseUrl('mysql://u:secret@h/db');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidDatabaseUrlError);
    expect(String(thrown)).not.toContain('secret');
    expect(validateDatabaseUrl('postgres://u:p@db.example:5432/x?sslmode=require')).toContain(
      'sslmode=require',
    );
  });

  it('redacts the password for display', () => {
    expect(redactDatabaseUrl('postgres://u:s3cret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });

  it('uses DATABASE_URL when set, without starting anything', async () => {
    const resolved = await resolveDatabase({ DATABASE_URL: 'postgres://u@h/db' });
    expect(resolved).toEqual({ url: 'postgres://u@h/db' });
  });
});

describe('embedded PostgreSQL', () => {
  // Under /tmp so the postgres OS user can reach it when the suite runs as root.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ypg-embedded-'));
  chmodSync(dir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a real server, and a second process joins it instead of starting another', async () => {
    const dataDir = path.join(dir, 'pg');
    const first = await startEmbeddedPostgres({ dataDir });
    stops.push(first.stop);
    expect(first.owned).toBe(true);
    expect(first.dataDir).toBe(dataDir);
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
    await client.end();
    expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(140000);

    expect(runningServerPort(dataDir)).toBe(Number(new URL(first.url).port));
    const second = await startEmbeddedPostgres({ dataDir });
    expect(second.owned).toBe(false);
    expect(second.url).toBe(first.url);

    // The last user stops it, whoever started it.
    await first.stop();
    stops.pop();
    expect(runningServerPort(dataDir)).not.toBeNull();
    await second.stop();
    expect(runningServerPort(dataDir)).toBeNull();
  });

  it('stays up while another process uses it, after the process that started it has gone', async () => {
    const dataDir = path.join(dir, 'pg');
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(EMBEDDED_MODULE)};
      const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      process.stdout.write(db.url + '\\n');
      await db.stop();
    `;
    // The starter joins nothing: it starts the server; we join it before it leaves.
    const user = await startEmbeddedPostgres({ dataDir });
    expect(user.owned).toBe(true);
    const other = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(other.status, other.stderr).toBe(0);
    expect(other.stdout.trim()).toBe(user.url); // the child joined ours and gave it back: still up
    expect(runningServerPort(dataDir)).not.toBeNull();
    await user.stop();
    expect(runningServerPort(dataDir)).toBeNull();

    // The other way round: a child starts it and leaves while we still use it.
    const starter = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
      import { startEmbeddedPostgres } from ${JSON.stringify(EMBEDDED_MODULE)};
      const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      process.stdout.write(db.url + '\\n');
      process.stdin.once('data', async () => { await db.stop(); process.exit(0); });
    `,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve) =>
      starter.stdout!.once('data', (d) => resolve(String(d).trim())),
    );
    const joined = await startEmbeddedPostgres({ dataDir });
    expect(joined.owned).toBe(false);
    expect(joined.url).toBe(url);
    starter.stdin!.write('go\n');
    await new Promise((r) => starter.once('exit', r));
    const client = new pg.Client({ connectionString: joined.url });
    await client.connect(); // still up: we hold it
    await client.end();
    await joined.stop();
    expect(runningServerPort(dataDir)).toBeNull();
  });
});

describe('embedded PostgreSQL started from a directory its server user cannot enter', () => {
  // The checkout under /root, as on most VPSes: the binaries (here a link to the packaged ones) and
  // the data directory sit in a 0700 directory. As root the server runs as the `postgres` OS user, who
  // cannot go there; as another user the server runs as that user, who can.
  const closed = mkdtempSync(path.join(os.tmpdir(), 'ypg-closed-')); // mode 0700
  const system = mkdtempSync(path.join(os.tmpdir(), 'ypg-system-'));
  chmodSync(system, 0o755);
  const asRoot = process.getuid?.() === 0;
  afterAll(() => {
    rmSync(closed, { recursive: true, force: true });
    rmSync(system, { recursive: true, force: true });
  });

  it('starts, keeps its password private, and leaves no secret behind', async () => {
    expect(statSync(closed).mode & 0o777).toBe(0o700);
    symlinkSync(packagedBinaries().nativeDir, path.join(closed, 'native'));
    const wanted = path.join(closed, 'app', '.data', 'pg');
    const tmpBefore = readdirSync(os.tmpdir()).filter((n) => n.startsWith('pg-password-'));
    const lines: string[] = [];
    const options = {
      dataDir: wanted,
      nativeDir: path.join(closed, 'native'),
      systemDir: system,
      log: (m: string) => lines.push(m),
    };
    const server = await startEmbeddedPostgres(options);
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ user: string }>('select current_user as user');
      await client.end();
      expect(rows[0]?.user).toBe('postgres');
      if (asRoot) {
        expect(server.dataDir.startsWith(`${system}/`)).toBe(true);
        expect(lines.join('\n')).toMatch(/copying the server binaries/);
        expect(statSync(server.dataDir).uid).not.toBe(0);
      } else {
        expect(server.dataDir).toBe(wanted);
      }
    } finally {
      await server.stop();
    }
    // The password: only its owner can read it; nothing else of initdb's is left anywhere.
    expect(statSync(passwordFile(server.dataDir)).mode & 0o077).toBe(0);
    const parent = path.dirname(server.dataDir);
    expect(readdirSync(parent).filter((n) => n.includes('.init-'))).toEqual([]);
    expect(readdirSync(os.tmpdir()).filter((n) => n.startsWith('pg-password-'))).toEqual(tmpBefore);
    expect(new URL(server.url).password).not.toBe('yclients-pg-local');

    // A second start reuses the copied binaries and the cluster.
    lines.length = 0;
    const again = await startEmbeddedPostgres(options);
    await again.stop();
    expect(again.dataDir).toBe(server.dataDir);
    expect(lines.join('\n')).not.toMatch(/copying|creating a new cluster/);
    expect(existsSync(path.join(again.dataDir, 'PG_VERSION'))).toBe(true);
  });
});
