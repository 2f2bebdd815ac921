/**
 * The data-safety rules of design §9 in SQL: finish_refresh's verdicts (a delete needs proof, a
 * suspicious read is read again, a mass delete waits for confirmation, a lost seen set never deletes),
 * the quarantine beside a page's merge (land_page), and land_list for whole catalogs.
 */
import { describe, expect, it } from 'vitest';
import { type Db, merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();

const position = (id: number) => ({ id, title: `P${id}`, raw: {} });
const positions = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => position(from + i));

/** A company whose `positions` has `n` live rows, and a sync_state row (as markInProgress leaves it). */
async function company(c: number, n: number): Promise<void> {
  await db.query(
    `insert into yclients_sync.sync_state (company_id, entity, status) values ($1, 'positions', 'in_progress')`,
    [c],
  );
  await merge(db, 'positions', c, positions(1, n));
}

interface Outcome {
  verdict: string;
  deleted: number;
  unseen: number;
  live: number;
  seen: number;
}

async function finish(
  c: number,
  refresh: number,
  options: { reread?: boolean; confirmed?: boolean; maxRows?: number } = {},
): Promise<Outcome> {
  return db.one<Outcome & Record<string, unknown>>(
    `select * from yclients_sync.finish_refresh($1, 'positions', $2, null, null, $3, 0.10, $4, $5)`,
    [c, refresh, options.maxRows ?? 20, options.confirmed ?? false, options.reread ?? false],
  );
}

const live = async (d: Db, c: number) =>
  Number(
    (
      await d.one(
        'select count(*) as n from yclients.positions where company_id = $1 and deleted_at is null',
        [c],
      )
    ).n,
  );

describe('finish_refresh guards', () => {
  it('deletes a few unseen rows of a complete read at once', async () => {
    const c = 7001;
    await company(c, 100);
    await merge(db, 'positions', c, positions(1, 95), { refresh: 1 });
    expect(await finish(c, 1)).toMatchObject({
      verdict: 'deleted',
      deleted: 5,
      unseen: 5,
      live: 100,
      seen: 95,
    });
    expect(await live(db, c)).toBe(95);
  });

  it('an empty read is suspicious: nothing deleted, seen ids kept for the re-read', async () => {
    const c = 7002;
    await company(c, 12);
    // the refresh saw nothing (an empty answer)
    expect(await finish(c, 2)).toMatchObject({ verdict: 'suspicious', deleted: 0, unseen: 12, live: 12 });
    expect(await live(db, c)).toBe(12);
    // the re-read returns everything: nothing to delete
    await merge(db, 'positions', c, positions(1, 12), { refresh: 2 });
    expect(await finish(c, 2, { reread: true })).toMatchObject({ verdict: 'deleted', deleted: 0 });
    expect(await live(db, c)).toBe(12);
  });

  it('a short read is re-read; seen ids of both reads add up', async () => {
    const c = 7003;
    await company(c, 100);
    await merge(db, 'positions', c, positions(1, 30), { refresh: 3 }); // total lowered to 30
    expect(await finish(c, 3)).toMatchObject({ verdict: 'suspicious', unseen: 70 });
    await merge(db, 'positions', c, positions(20, 100), { refresh: 3 });
    expect(await finish(c, 3, { reread: true })).toMatchObject({ verdict: 'deleted', deleted: 0, seen: 100 });
  });

  it('withholds a mass delete until it is confirmed, and forgets the refresh either way', async () => {
    const c = 7004;
    await company(c, 100);
    await merge(db, 'positions', c, positions(1, 70), { refresh: 4 });
    expect(await finish(c, 4, { reread: true })).toMatchObject({
      verdict: 'withheld',
      deleted: 0,
      unseen: 30,
      // what it would have deleted, for the log: the first 20 ids
      sample: Array.from({ length: 20 }, (_, i) => String(71 + i)),
    });
    expect(await live(db, c)).toBe(100);
    expect(await db.query('select 1 from yclients_staging.seen_ids where company_id = $1', [c])).toEqual([]);
    await merge(db, 'positions', c, positions(1, 70), { refresh: 5 });
    expect(await finish(c, 5, { reread: true, confirmed: true })).toMatchObject({
      verdict: 'deleted',
      deleted: 30,
    });
    expect(await live(db, c)).toBe(70);
  });

  it('brakes only above both thresholds: 15 of 20 rows is not a mass delete', async () => {
    const c = 7005;
    await company(c, 20);
    await merge(db, 'positions', c, positions(1, 5), { refresh: 6 });
    // a re-read that still misses 15 of 20 waits for the next run to see the same
    expect(await finish(c, 6, { reread: true })).toMatchObject({ verdict: 'pending', deleted: 0 });
    expect(await live(db, c)).toBe(20);
    await merge(db, 'positions', c, positions(1, 5), { refresh: 16 }); // the next run
    expect(await finish(c, 16, { reread: true })).toMatchObject({ verdict: 'deleted', deleted: 15 });
    // and the thresholds are the caller's: 3 rows (and 10 %) brakes the same read
    const d = 7006;
    await company(d, 20);
    await merge(db, 'positions', d, positions(1, 5), { refresh: 7 });
    expect(await finish(d, 7, { reread: true, maxRows: 3 })).toMatchObject({ verdict: 'withheld' });
  });

  it('never empties a whole scope of three or more rows without confirmation, however small', async () => {
    const c = 7008;
    await company(c, 12); // twelve masters: under the brake's 20 rows
    expect(await finish(c, 9, { reread: true })).toMatchObject({ verdict: 'withheld', unseen: 12, live: 12 });
    expect(await live(db, c)).toBe(12);
    expect(await finish(c, 10, { reread: true, confirmed: true })).toMatchObject({
      verdict: 'deleted',
      deleted: 12,
    });
    // two rows may go without confirmation (a small window whose visits were all cancelled)
    const d = 7009;
    await company(d, 2);
    expect(await finish(d, 11, { reread: true })).toMatchObject({ verdict: 'pending' });
    expect(await finish(d, 12, { reread: true })).toMatchObject({ verdict: 'deleted', deleted: 2 });
  });

  it('a seen set shorter than counted (a crash emptied it) deletes nothing', async () => {
    const c = 7007;
    await company(c, 50);
    await merge(db, 'positions', c, positions(1, 30), { refresh: 8, state: {} });
    await merge(db, 'positions', c, positions(31, 50), { refresh: 8, state: {} });
    expect(
      await db.one(
        `select refresh_id::int, refresh_seen::int from yclients_sync.sync_state where company_id = $1`,
        [c],
      ),
    ).toEqual({ refresh_id: 8, refresh_seen: 50 });
    // what a crash of an unlogged table, or a failover, does to the set
    await db.query(`delete from yclients_staging.seen_ids where company_id = $1 and id > 10`, [c]);
    expect(await db.one(`select yclients_sync.refresh_seen_lost($1, 'positions', 8) as lost`, [c])).toEqual({
      lost: true,
    });
    expect(await finish(c, 8, { reread: true, confirmed: true })).toMatchObject({
      verdict: 'seen_lost',
      deleted: 0,
    });
    expect(await live(db, c)).toBe(50);
    // forget_refresh starts the count over
    await db.query(`select yclients_sync.forget_refresh($1, 'positions')`, [c]);
    expect(await db.one(`select yclients_sync.refresh_seen_lost($1, 'positions', 8) as lost`, [c])).toEqual({
      lost: false,
    });
  });

  it('a pending delete is forgotten when the rows come back', async () => {
    const c = 7010;
    await company(c, 10);
    await merge(db, 'positions', c, positions(1, 7), { refresh: 20 });
    expect(await finish(c, 20, { reread: true })).toMatchObject({ verdict: 'pending', unseen: 3 });
    await merge(db, 'positions', c, positions(1, 10), { refresh: 21 }); // the next run sees them all
    expect(await finish(c, 21)).toMatchObject({ verdict: 'deleted', deleted: 0 });
    expect(await db.query('select id from yclients_sync.pending_deletes where company_id = $1', [c])).toEqual(
      [],
    );
    // and a later short read starts its wait again
    await merge(db, 'positions', c, positions(1, 7), { refresh: 22 });
    expect(await finish(c, 22, { reread: true })).toMatchObject({ verdict: 'pending' });
    expect(await live(db, c)).toBe(10);
  });

  it('keeps the seen set in a logged table (it survives a crash)', async () => {
    expect(
      await db.one(`select relpersistence from pg_class where oid = 'yclients_staging.seen_ids'::regclass`),
    ).toEqual({ relpersistence: 'p' });
  });
});

describe('land_page: the quarantine beside the merge, in one call', () => {
  const land = (
    c: number,
    rows: unknown[],
    rejected: unknown[],
    options: { run?: number; refresh?: number; repaired?: number } = {},
  ) =>
    db.one<Record<string, number>>(
      `select * from yclients_sync.land_page($1, $2, 'positions', $3::jsonb, null, $4, $5::jsonb, $6)`,
      [
        c,
        options.run ?? null,
        JSON.stringify(rows),
        options.refresh ?? null,
        JSON.stringify(rejected),
        options.repaired ?? 0,
      ],
    );

  it('quarantines the rejected rows, merges the rest, counts both in the run log', async () => {
    const c = 7101;
    const run = Number(
      (await db.one(`insert into yclients_sync.sync_runs (status) values ('running') returning id`)).id,
    );
    await db.query(
      `insert into yclients_sync.sync_state (company_id, entity, status) values ($1, 'positions', 'in_progress')`,
      [c],
    );
    const rejected = [
      { id: 3, reason: 'id is fine, title is not', row: '{"id":3}' },
      { id: null, reason: 'not an object (null)', row: 'null' },
      { id: null, reason: 'not an object (null)', row: 'null' }, // the same bad row twice in a page
    ];
    expect(await land(c, [position(1), position(2)], rejected, { run, refresh: 11, repaired: 4 })).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      quarantined: 2,
    });
    expect(
      await db.query(
        `select upstream_id::int, reason, row_text, times_seen, first_run_id::int = $2 as this_run
         from yclients_sync.quarantine where company_id = $1 order by row_key`,
        [c, run],
      ),
    ).toEqual([
      {
        upstream_id: 3,
        reason: 'id is fine, title is not',
        row_text: '{"id":3}',
        times_seen: 1,
        this_run: true,
      },
      { upstream_id: null, reason: 'not an object (null)', row_text: 'null', times_seen: 1, this_run: true },
    ]);
    // a rejected row with an id counts as seen: upstream has it, it must not be soft-deleted
    expect(
      await db.query(
        `select id::int from yclients_staging.seen_ids where company_id = $1 and refresh_id = 11 order by id`,
        [c],
      ),
    ).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(
      await db.one(`select refresh_seen::int from yclients_sync.sync_state where company_id = $1`, [c]),
    ).toEqual({ refresh_seen: 3 });
    expect(
      await db.one(
        `select quarantined::int, repaired::int from yclients_sync.sync_run_entities where run_id = $1 and company_id = $2`,
        [run, c],
      ),
    ).toEqual({ quarantined: 2, repaired: 4 });

    // seen again: one row per upstream row, counted
    await land(c, [], [rejected[0]], { run });
    expect(
      await db.one(
        `select times_seen from yclients_sync.quarantine where company_id = $1 and upstream_id = 3`,
        [c],
      ),
    ).toEqual({ times_seen: 2 });

    // it arrives clean: it leaves the quarantine and lands
    expect(await land(c, [position(3)], [])).toMatchObject({ inserted: 1, quarantined: 0 });
    expect(
      await db.query(`select upstream_id from yclients_sync.quarantine where company_id = $1`, [c]),
    ).toEqual([{ upstream_id: null }]);
  });

  it('refuses an unknown entity before building any identifier from it', async () => {
    await expect(
      db.query(`select * from yclients_sync.land_page(1, null, 'positions; drop table x', '[]'::jsonb)`),
    ).rejects.toThrow(/unknown entity/);
  });
});

describe('land_list: a whole catalog and its refresh in one call', () => {
  it('merges, then judges what upstream no longer returned', async () => {
    const c = 7201;
    await company(c, 10);
    const call = (rows: unknown[], refresh: number, reread: boolean) =>
      db.one<Record<string, unknown>>(
        `select * from yclients_sync.land_list($1, null, 'positions', $2::jsonb, null, $3, '[]'::jsonb, 0, 20, 0.10, false, $4, 0)`,
        [c, JSON.stringify(rows), refresh, reread],
      );
    // staff answered [] once: nothing deleted, asked again
    expect(await call([], 21, false)).toMatchObject({ verdict: 'suspicious', removed: 0, live: 10 });
    expect(await live(db, c)).toBe(10);
    expect(await call(positions(1, 10), 21, true)).toMatchObject({
      verdict: 'deleted',
      removed: 0,
      unchanged: 10,
    });
    // one row really gone: a catalog has no total, so even one is read again before it is believed
    expect(await call(positions(1, 9), 22, false)).toMatchObject({ verdict: 'suspicious', removed: 0 });
    expect(await live(db, c)).toBe(10);
    expect(await call(positions(1, 9), 22, true)).toMatchObject({
      verdict: 'deleted',
      removed: 1,
      unseen: 1,
    });
    expect(await live(db, c)).toBe(9);
  });
});
