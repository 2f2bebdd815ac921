/**
 * Large reads go through pg-cursor against a real PostgreSQL: the rows come a batch per round trip, never
 * all at once, and the portal is closed however the reading ends (the rows run out, the consumer stops
 * early or throws, the query fails), so the connection is usable afterwards and a transaction keeps no
 * open portal.
 */
import { sql } from '@databases/pg';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LARGE_READ_BATCH_SIZE, readInBatches, readRows } from '../src/large-reads';
import { useMigratedDatabase } from './db';

const db = useMigratedDatabase();

interface Wire {
  execute(message: { portal: string; rows: number }, more?: boolean): void;
  close(message: { type: string; name: string }, more?: boolean): void;
}

/** Counts the protocol messages the client sends: one Execute per round trip of a cursor. */
async function counting<T>(
  client: pg.Client,
  fn: () => Promise<T>,
): Promise<{ result: T; executes: number[]; closes: number }> {
  const wire = (client as unknown as { connection: Wire }).connection;
  const { execute, close } = wire;
  const executes: number[] = [];
  let closes = 0;
  wire.execute = function (message, more) {
    executes.push(message.rows);
    return execute.call(this, message, more);
  };
  wire.close = function (message, more) {
    if (message.type === 'P') closes++;
    return close.call(this, message, more);
  };
  try {
    return { result: await fn(), executes, closes };
  } finally {
    wire.execute = execute;
    wire.close = close;
  }
}

/**
 * Runs `fn` on a connection of its own, ended afterwards even when a cursor left open keeps it busy, so
 * a failure here does not hang the other tests' connection.
 */
async function onOwnClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const series = (n: number) => sql`select g as n, repeat('x', 100) as pad from generate_series(1, ${n}) g`;

/**
 * Portals open in this session (a cursor left open shows here). A cursor never closed keeps the client
 * busy, so the question would wait forever: it fails after a few seconds instead.
 */
async function openPortals(client: pg.Client): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const busy = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the connection is still busy with the cursor')), 5_000);
  });
  try {
    const answer = client.query<{ n: number }>('select count(*)::int as n from pg_cursors');
    return (await Promise.race([answer, busy])).rows[0]!.n;
  } finally {
    clearTimeout(timer);
  }
}

describe('readInBatches', () => {
  it('streams more rows than a batch in batches, one round trip each', async () => {
    const { result, executes } = await counting(db.client, async () => {
      const sizes: number[] = [];
      const seen: number[] = [];
      for await (const batch of readInBatches<{ n: number }>(db.client, series(2_500), {
        batchSize: 1_000,
      })) {
        sizes.push(batch.length);
        for (const row of batch) seen.push(row.n);
      }
      return { sizes, seen };
    });
    expect(result.sizes).toEqual([1_000, 1_000, 500]);
    expect(result.seen).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    // three round trips for 2,500 rows, each asking the server for one batch only
    expect(executes).toEqual([1_000, 1_000, 1_000]);
    expect(await openPortals(db.client)).toBe(0);
  });

  it('asks once more when the rows end on a batch boundary, and yields no empty batch', async () => {
    const { result, executes } = await counting(db.client, async () => {
      const sizes: number[] = [];
      for await (const batch of readInBatches(db.client, series(20), { batchSize: 10 }))
        sizes.push(batch.length);
      return sizes;
    });
    expect(result).toEqual([10, 10]);
    expect(executes).toHaveLength(3);
    const none: unknown[] = [];
    for await (const batch of readInBatches(db.client, series(0))) none.push(batch);
    expect(none).toEqual([]);
  });

  it('fetches the default batch size per round trip', async () => {
    const { result, executes } = await counting(db.client, async () => {
      let rows = 0;
      for await (const row of readRows(db.client, series(LARGE_READ_BATCH_SIZE * 2 + 1))) rows += row ? 1 : 0;
      return rows;
    });
    expect(result).toBe(LARGE_READ_BATCH_SIZE * 2 + 1);
    expect(executes).toEqual([LARGE_READ_BATCH_SIZE, LARGE_READ_BATCH_SIZE, LARGE_READ_BATCH_SIZE]);
  });

  it('closes the cursor when the consumer stops early, inside a transaction too', async () => {
    await onOwnClient(async (client) => {
      await client.query('begin');
      const { result, executes, closes } = await counting(client, async () => {
        let first: number[] = [];
        for await (const batch of readInBatches<{ n: number }>(client, series(100_000), { batchSize: 100 })) {
          first = batch.map((r) => r.n);
          break;
        }
        return first;
      });
      expect(result).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      // one batch of 100,000 rows read, and the portal closed rather than drained
      expect(executes).toEqual([100]);
      expect(closes).toBe(1);
      expect(await openPortals(client)).toBe(0);
      await client.query('rollback');
    });
  });

  it('closes the cursor when the consumer throws, and passes the error on', async () => {
    await onOwnClient(async (client) => {
      const { closes } = await counting(client, async () => {
        await expect(
          (async () => {
            for await (const row of readRows<{ n: number }>(client, series(5_000), { batchSize: 50 })) {
              if (row.n === 75) throw new Error('the consumer gives up');
            }
          })(),
        ).rejects.toThrow('the consumer gives up');
      });
      expect(closes).toBe(1);
      expect(await openPortals(client)).toBe(0);
    });
  });

  it('passes a query error on after the batches before it, and leaves the connection usable', async () => {
    await onOwnClient(async (client) => {
      const failing = sql`select 1 / (g - ${150}) as n from generate_series(1, 300) g`;
      const sizes: number[] = [];
      await expect(
        (async () => {
          for await (const batch of readInBatches(client, failing, { batchSize: 100 }))
            sizes.push(batch.length);
        })(),
      ).rejects.toThrow(/division by zero/);
      expect(sizes).toEqual([100]);
      expect(await openPortals(client)).toBe(0);
      // a query that never starts fails the same way
      await expect(readInBatches(client, sql`select * from no_such_table`).next()).rejects.toThrow(
        /no_such_table/,
      );
      expect(await openPortals(client)).toBe(0);
    });
  });

  it('sends values as parameters, never inside the text', async () => {
    const hostile = "x'); drop table yclients.clients; --";
    const rows: Array<{ v: string }> = [];
    for await (const row of readRows<{ v: string }>(db.client, sql`select ${hostile}::text as v`))
      rows.push(row);
    expect(rows).toEqual([{ v: hostile }]);
    const plain: Array<{ v: number }> = [];
    for await (const row of readRows<{ v: number }>(db.client, { text: 'select $1::int as v', values: [7] }))
      plain.push(row);
    expect(plain).toEqual([{ v: 7 }]);
    expect(await db.one("select to_regclass('yclients.clients') is not null as kept")).toEqual({
      kept: true,
    });
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(readInBatches(db.client, series(1), { batchSize: 0 }).next()).rejects.toThrow(RangeError);
  });
});
