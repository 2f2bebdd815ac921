import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database';

describe('test databases', () => {
  it('gives each file a fresh, real database and drops it afterwards', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('create table t (id int primary key)');
    await client.query('insert into t values (1), (2)');
    const { rows } = await client.query<{ n: string; db: string }>(
      'select count(*) as n, current_database() as db from t',
    );
    expect(rows[0]).toEqual({ n: '2', db: db.name });
    await client.end();
    await db.drop();

    const again = new pg.Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });
});
