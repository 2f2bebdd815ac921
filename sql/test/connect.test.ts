import { sql } from '@databases/pg';
import { describe, expect, it } from 'vitest';
import { connectDatabase, sslFromUrl } from '../src/connect';
import { useMigratedDatabase } from './db';

const db = useMigratedDatabase();

describe('connectDatabase', () => {
  it('returns a pool with bigint ids as numbers, and the merge functions callable through it', async () => {
    const pool = connectDatabase(db.url, { poolSize: 2 });
    try {
      const [row] = await pool.query(
        sql`select * from yclients_sync.merge_positions(${1}, ${null}, ${JSON.stringify([{ id: 1, title: 'A' }])}::jsonb)`,
      );
      expect(row).toEqual({ inserted: 1, updated: 0, unchanged: 0, deleted: 0 });
      const [id] = await pool.query(sql`select id from yclients.positions`);
      expect(id).toEqual({ id: 1 });
    } finally {
      await pool.dispose();
    }
  });

  it('maps sslmode as libpq users expect', () => {
    expect(sslFromUrl('postgres://h/db')).toBeUndefined();
    expect(sslFromUrl('postgres://h/db?sslmode=require')).toBeUndefined(); // encrypt, no verification (@databases/pg)
    expect(sslFromUrl('postgres://h/db?sslmode=allow')).toBe('prefer');
    expect(sslFromUrl('postgres://h/db?sslmode=verify-full')).toEqual({ rejectUnauthorized: true });
    const ca = sslFromUrl('postgres://h/db?sslmode=verify-ca');
    expect(ca).toMatchObject({ rejectUnauthorized: true });
    expect(typeof (ca as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
  });
});
