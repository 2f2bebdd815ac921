/**
 * One run at a time per company: a session-level advisory lock per company, held for the whole run by
 * the session that makes all of the run's writes. A second run fails to take it and exits 3 at once.
 */
import { type Connection, sql } from '@databases/pg';

/** First half of the advisory lock key ("YC"); the second half is the company id. */
export const SYNC_LOCK_CLASS = 22851;

/**
 * The company id as the lock key's second half (an int4): ids up to 2^31 − 1 as they are, larger ones
 * (company ids are bigint) wrapped into the int4 range, as `pg_locks.objid` shows them modulo 2^32.
 */
const KEY = sql`((c.id % 4294967296) - case when c.id % 4294967296 >= 2147483648 then 4294967296 else 0 end)::int`;

/** Takes every company's lock or none: returns the companies whose lock another session holds. */
export async function tryLockCompanies(conn: Connection, companyIds: number[]): Promise<number[]> {
  const rows = await conn.query(sql`
    select c.id, pg_try_advisory_lock(${SYNC_LOCK_CLASS}, ${KEY}) as locked
    from unnest(${companyIds}::bigint[]) as c(id)`);
  const held = rows.filter((r) => !r.locked).map((r) => Number(r.id));
  if (held.length > 0) {
    const taken = rows.filter((r) => r.locked).map((r) => Number(r.id));
    if (taken.length > 0) {
      await conn.query(
        sql`select pg_advisory_unlock(${SYNC_LOCK_CLASS}, ${KEY}) from unnest(${taken}::bigint[]) as c(id)`,
      );
    }
  }
  return held;
}

export async function unlockCompanies(conn: Connection, companyIds: number[]): Promise<void> {
  await conn.query(
    sql`select pg_advisory_unlock(${SYNC_LOCK_CLASS}, ${KEY}) from unnest(${companyIds}::bigint[]) as c(id)`,
  );
}

/** Companies whose sync lock some session holds right now (for `status`; ids above 2^32 modulo 2^32). */
export async function lockedCompanies(db: Pick<Connection, 'query'>): Promise<number[]> {
  const rows = await db.query(sql`
    select objid::bigint as company_id from pg_locks
    where locktype = 'advisory' and classid = ${SYNC_LOCK_CLASS} and objsubid = 2 and granted
      and database = (select oid from pg_database where datname = current_database())`);
  return rows.map((r) => Number(r.company_id));
}
