/**
 * Reads that can be large (design §2, "pg-cursor's job"): a whole table compared with the simulator's
 * truth, a long run history, the id sets a refresh checks. The rows come through a pg-cursor portal a
 * batch at a time, one round trip per batch, so neither the driver nor the caller ever holds more than
 * one batch the read has not consumed yet.
 *
 * The client is busy while the iteration runs (another query on it waits for the end); the portal is
 * closed when the rows run out, when the consumer stops early (`break`, `return`, a throw) and when the
 * query fails, so the client is usable afterwards and a transaction holds no open portal.
 */
import { isSqlQuery, pgFormat, type SQLQuery } from '@databases/pg';
import type pg from 'pg';
import Cursor from 'pg-cursor';

/** Rows per round trip unless the caller says otherwise. */
export const LARGE_READ_BATCH_SIZE = 1000;

/**
 * Parameterised SQL only: a `sql` tagged query of @databases/pg, or text with `$n` placeholders and its
 * values. A plain string is refused by the type, so no value is ever spliced into the text.
 */
export type LargeReadQuery = SQLQuery | { text: string; values?: readonly unknown[] };

export interface LargeReadOptions {
  /** Rows fetched per round trip. @default LARGE_READ_BATCH_SIZE */
  batchSize?: number;
}

function textAndValues(query: LargeReadQuery): { text: string; values: unknown[] } {
  if (isSqlQuery(query)) return query.format(pgFormat);
  return { text: query.text, values: [...(query.values ?? [])] };
}

/**
 * The query's rows in batches of at most `batchSize` (the last may be shorter; an empty result yields
 * nothing), read through a cursor on `client`.
 */
export async function* readInBatches<T extends pg.QueryResultRow = Record<string, unknown>>(
  client: pg.ClientBase,
  query: LargeReadQuery,
  options: LargeReadOptions = {},
): AsyncGenerator<T[], void, undefined> {
  const batchSize = options.batchSize ?? LARGE_READ_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { text, values } = textAndValues(query);
  const cursor = client.query(new Cursor<T>(text, values));
  // A failed read has already ended the portal (pg-cursor syncs on the error); closing it again would
  // wait for a readyForQuery that has come and gone.
  let failed = false;
  try {
    for (;;) {
      let rows: T[];
      try {
        rows = await cursor.read(batchSize);
      } catch (error) {
        failed = true;
        throw error;
      }
      if (rows.length > 0) yield rows;
      // A short batch means the server has reached the end and closed the portal.
      if (rows.length < batchSize) return;
    }
  } finally {
    if (!failed) await cursor.close();
  }
}

/** The query's rows one by one, fetched `batchSize` at a time (see {@link readInBatches}). */
export async function* readRows<T extends pg.QueryResultRow = Record<string, unknown>>(
  client: pg.ClientBase,
  query: LargeReadQuery,
  options: LargeReadOptions = {},
): AsyncGenerator<T, void, undefined> {
  for await (const batch of readInBatches<T>(client, query, options)) yield* batch;
}
