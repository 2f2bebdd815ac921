/**
 * The rows of a page that PostgreSQL refuses although the SDK could read them (a number too large for
 * an `integer` column, a date out of range: SQLSTATE class 22, "data exception"). Found by halves, each
 * probe merged in a transaction (a savepoint inside a dry run's transaction) and rolled back, so only
 * a page that failed pays for it: about 2·log2(page size) probes per refused row.
 */
import type { Db } from './db';
import type { QuarantinedRow } from './merge';

class ProbeRollback extends Error {}

/** PostgreSQL's "data exception" class: a value it cannot store, not a broken connection or a bug. */
export function isDataError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * Splits `rows` into those a merge accepts and those it refuses; `merge` lands rows on the connection
 * it is given (its effects are rolled back here). The refused come back as RejectedRows whose reason
 * names the entity, the upstream id and PostgreSQL's message.
 */
export async function refusedRows<Row extends { id: number }>(
  db: Db,
  what: string,
  rows: readonly Row[],
  merge: (db: Db, rows: readonly Row[]) => Promise<unknown>,
): Promise<Array<{ row: Row; rejected: Omit<QuarantinedRow, 'index'> }>> {
  const probe = async (subset: readonly Row[]): Promise<Error | null> => {
    try {
      await db.tx(async (tx) => {
        await merge(tx, subset);
        throw new ProbeRollback();
      });
    } catch (error) {
      if (error instanceof ProbeRollback) return null;
      if (isDataError(error)) return error;
      throw error;
    }
    return null;
  };
  const refused: Array<{ row: Row; rejected: Omit<QuarantinedRow, 'index'> }> = [];
  const search = async (subset: readonly Row[], known?: Error): Promise<void> => {
    const error = known ?? (await probe(subset));
    if (!error) return;
    if (subset.length === 1) {
      const row = subset[0]!;
      const wire = (row as { raw?: unknown }).raw ?? row;
      refused.push({
        row,
        rejected: {
          id: row.id,
          reason: `${what} ${row.id}: the database cannot store it (${error.message})`,
          row: JSON.stringify(wire).slice(0, 100_000),
        },
      });
      return;
    }
    const half = Math.ceil(subset.length / 2);
    await search(subset.slice(0, half));
    await search(subset.slice(half));
  };
  await search(rows);
  return refused;
}
