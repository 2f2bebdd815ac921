import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  runningServerPort,
  startEmbeddedPostgres,
} from '../src/embedded';

const modes: Record<string, number> = { '/': 0o755, '/root': 0o700, '/root/app': 0o755, '/srv': 0o755 };
const fakeStat = (p: string) => ({ mode: modes[p] ?? 0o755 }) as import('node:fs').Stats;

describe('data directory as root', () => {
  it('finds the ancestor the postgres user cannot enter', () => {
    expect(firstClosedAncestor('/root/app/.data/pg', fakeStat)).toBe('/root');
    expect(firstClosedAncestor('/srv/app/.data/pg', fakeStat)).toBeNull();
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
    try {
      validateDatabaseUrl('mysql://u:secret@h/db');
    } catch (error) {
      expect(String(error)).not.toContain('secret');
    }
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

    await first.stop();
    stops.pop();
    expect(runningServerPort(dataDir)).toBeNull();
  });
});
