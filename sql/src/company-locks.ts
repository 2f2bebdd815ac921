/**
 * One run at a time per company: a session-level advisory lock per company, held on one dedicated
 * connection for the whole run. A second run fails to take it and exits 3 at once.
 */
import { type Connection, sql } from '@databases/pg';

/** First half of the advisory lock key ("YC"); the second half is the company id. */
export const SYNC_LOCK_CLASS = 22851;

/** Takes every company's lock or none: returns the companies whose lock another session holds. */
export async function tryLockCompanies(conn: Connection, companyIds: number[]): Promise<number[]> {
  const rows = await conn.query(sql`
    select c.id, pg_try_advisory_lock(${SYNC_LOCK_CLASS}, c.id::int) as locked
    from unnest(${companyIds}::bigint[]) as c(id)`);
  const held = rows.filter((r) => !r.locked).map((r) => Number(r.id));
  if (held.length > 0) {
    const taken = rows.filter((r) => r.locked).map((r) => Number(r.id));
    if (taken.length > 0) {
      await conn.query(
        sql`select pg_advisory_unlock(${SYNC_LOCK_CLASS}, id::int) from unnest(${taken}::bigint[]) as t(id)`,
      );
    }
  }
  return held;
}

export async function unlockCompanies(conn: Connection, companyIds: number[]): Promise<void> {
  await conn.query(
    sql`select pg_advisory_unlock(${SYNC_LOCK_CLASS}, id::int) from unnest(${companyIds}::bigint[]) as t(id)`,
  );
}

/** Companies whose sync lock some session holds right now (for `status`). */
export async function lockedCompanies(db: Pick<Connection, 'query'>): Promise<number[]> {
  const rows = await db.query(sql`
    select objid::bigint as company_id from pg_locks
    where locktype = 'advisory' and classid = ${SYNC_LOCK_CLASS} and objsubid = 2 and granted
      and database = (select oid from pg_database where datname = current_database())`);
  return rows.map((r) => Number(r.company_id));
}
