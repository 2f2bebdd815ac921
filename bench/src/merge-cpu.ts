/**
 * `pnpm --filter @yclients-pg/bench run merge-cpu [--entity records|clients] [--rows N] [--variant file.sql]`:
 * where the merge's time goes, in server CPU rather than wall time (issue 16).
 *
 * Suite 1 compares wall-clock rates, which a shared two-core machine bends by tens of percent from one
 * minute to the next. This reads the CPU time the PostgreSQL backend itself spent (`/proc/<pid>/stat`, so
 * only for a server on this machine, readable by this user) while it loads the same pages as suite 1:
 *
 * - the stages of the merge's read side, in functions made for this run on the scratch database only: the
 *   page parsed (`jsonb_array_length` of the parameter), then expanded into typed columns
 *   (`jsonb_to_recordset` with merge_<entity>'s column list);
 * - the whole merge (`mergePage` → `land_page`, the sync's path) on an empty table and 90% unchanged;
 * - the COPY floor and the keyed COPY of suite 1.
 *
 * With `--variant file.sql` (a changed `create or replace function …`, e.g. an edited copy of
 * sql/functions/merge_records.sql) the merge runs on two scratch databases, the variant applied to the
 * second, pages alternating between them in a changing order, and the two rows landed are compared: an
 * A/B of a merge change that holds under load, where two wall-clock runs minutes apart do not.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CountingClient, createScratchDatabase, resolveServer, type ScratchDatabase } from './database';
import { CATALOG, COMPANY_ID, clientPoolFor, type Entity, page, pageCount, type Row } from './generate';
import {
  createFloorTables,
  loadPage,
  type MergeConnection,
  mergeConnection,
  newRunId,
  resetTables,
  seedParents,
} from './loaders';
import { PAGE_SIZE } from './merge-throughput';

/** merge_<entity>'s column lists (sql/functions/merge_*.sql, the src CTE). */
const COLUMNS: Record<Entity, string> = {
  clients: `id bigint, name text, surname text, patronymic text, phone text, email text, card text,
    birth_date date, comment text, discount numeric, sex_id integer, sex text, sms_check boolean,
    sms_bot boolean, sms_not boolean, balance numeric, importance_id integer, importance text, spent numeric,
    visits integer, last_change_date timestamptz, custom_fields jsonb, categories jsonb, raw jsonb`,
  records: `id bigint, datetime timestamptz, create_date timestamptz, last_change_date timestamptz,
    seance_length_seconds integer, attendance integer, visit_attendance integer, confirmed boolean,
    paid_full boolean, payment_status text, online boolean, comment text, deleted boolean, visit_id bigint,
    staff_id bigint, staff jsonb, client_id bigint, client jsonb, services jsonb, raw jsonb`,
};

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU milliseconds (user + system) a process has used. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Side {
  scratch: ScratchDatabase;
  direct: CountingClient;
  merge: MergeConnection;
  /** the backends of the direct connection and of the merge's pool of one */
  directPid: number;
  mergePid: number;
  runId: number;
}

async function openSide(serverUrl: string, entity: Entity, rows: number, variant?: string): Promise<Side> {
  const scratch = await createScratchDatabase(serverUrl);
  const direct = new CountingClient(scratch.url);
  await direct.connect();
  if (variant) await direct.query(readFileSync(variant, 'utf8'));
  await createFloorTables(direct);
  if (entity === 'records') await seedParents(direct, clientPoolFor(rows), CATALOG);
  const merge = mergeConnection(scratch.url, direct);
  const runId = await newRunId(merge);
  const pid = async (filter: string) => {
    const { rows: found } = await direct.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and ${filter}`,
    );
    if (found.length !== 1) throw new Error(`merge-cpu: expected one backend for ${filter}`);
    return found[0]!.pid;
  };
  return {
    scratch,
    direct,
    merge,
    runId,
    directPid: await pid('pid = pg_backend_pid()'),
    mergePid: await pid(`application_name = 'yclients-pg bench'`),
  };
}

async function closeSide(side: Side): Promise<void> {
  await side.merge.dispose();
  await side.direct.end();
  await side.scratch.drop();
}

/** CPU milliseconds `work` costs the backend `pid`. */
async function measured(pid: number, work: () => Promise<unknown>): Promise<number> {
  const before = cpuMs(pid);
  await work();
  return cpuMs(pid) - before;
}

/** A merge of one page on one side, as the sync lands it. */
function mergeOn(side: Side, entity: Entity, data: Row[], ordinal: number) {
  return () =>
    loadPage(side.direct, 'merge', entity, data, { runId: side.runId, ordinal, merge: side.merge.db });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entity: { type: 'string', default: 'records' },
      rows: { type: 'string', default: '20000' },
      variant: { type: 'string' },
    },
  });
  const entity = values.entity as Entity;
  if (entity !== 'records' && entity !== 'clients')
    throw new Error('merge-cpu: --entity is records or clients');
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < PAGE_SIZE)
    throw new Error(`merge-cpu: --rows is a number ≥ ${PAGE_SIZE}`);
  const server = await resolveServer();
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(server.url).hostname))
    throw new Error('merge-cpu reads the backend CPU from /proc: it needs a PostgreSQL on this machine');
  const sides: Side[] = [];
  try {
    sides.push(await openSide(server.url, entity, rows));
    if (values.variant) sides.push(await openSide(server.url, entity, rows, values.variant));
    const a = sides[0]!;
    await a.direct.query(
      `create function pg_temp.parsed(p jsonb) returns bigint language plpgsql as $$
         begin return jsonb_array_length(p); end $$;
       create function pg_temp.expanded(p jsonb) returns bigint language plpgsql as $$
         begin return (select count(*) from jsonb_to_recordset(p) as r(${COLUMNS[entity]})); end $$`,
    );
    // a new backend's first statements fill its caches: not what any stage measures
    for (let i = 0; i < 3; i++) {
      const data = page(entity, i, PAGE_SIZE, rows, 1);
      await a.direct.query('select pg_temp.parsed($1::jsonb), pg_temp.expanded($1::jsonb)', [
        JSON.stringify(data),
      ]);
      for (const method of ['copy', 'copyKeyed'] as const)
        await loadPage(a.direct, method, entity, data, { runId: a.runId, ordinal: 0, merge: a.merge.db });
    }
    await resetTables(a.direct, entity, 'copy');
    await resetTables(a.direct, entity, 'copyKeyed');
    const ms = {
      parsed: 0,
      expanded: 0,
      copy: 0,
      copyKeyed: 0,
      fresh: sides.map(() => 0),
      unchanged: sides.map(() => 0),
    };
    // Every stage of a page runs right after the others, so each sees the same machine: on a shared one the
    // CPU a backend needs for the same work drifts by tens of percent within minutes (caches, the other core).
    const pages = pageCount(rows, PAGE_SIZE);
    for (const version of [1, 2]) {
      for (let i = 0; i < pages; i++) {
        const data = page(entity, i, PAGE_SIZE, rows, version);
        const ordinal = i * PAGE_SIZE + data.length;
        const order = i % 2 === 0 ? [...sides.keys()] : [...sides.keys()].reverse();
        for (const k of order) {
          const side = sides[k]!;
          const used = await measured(side.mergePid, mergeOn(side, entity, data, ordinal));
          (version === 1 ? ms.fresh : ms.unchanged)[k]! += used;
        }
        if (version === 2) continue;
        const text = JSON.stringify(data);
        ms.parsed += await measured(a.directPid, () =>
          a.direct.query('select pg_temp.parsed($1::jsonb)', [text]),
        );
        ms.expanded += await measured(a.directPid, () =>
          a.direct.query('select pg_temp.expanded($1::jsonb)', [text]),
        );
        for (const method of ['copy', 'copyKeyed'] as const)
          ms[method] += await measured(a.directPid, () =>
            loadPage(a.direct, method, entity, data, { runId: a.runId, ordinal, merge: a.merge.db }),
          );
      }
    }
    const table: [string, number, number | undefined][] = [
      ['page parsed (the jsonb parameter)', ms.parsed, undefined],
      ["page parsed and expanded (jsonb_to_recordset, the merge's columns)", ms.expanded, undefined],
      ['merge, empty table', ms.fresh[0]!, ms.fresh[1]],
      ['merge, 90% unchanged', ms.unchanged[0]!, ms.unchanged[1]],
      ['COPY floor (unlogged, no keys)', ms.copy, undefined],
      ['COPY, keyed table', ms.copyKeyed, undefined],
    ];
    if (sides[1]) {
      const landed = (side: Side) =>
        side.direct.query<{ h: string }>(
          entity === 'records'
            ? `select md5(string_agg(r::text, '|' order by r.id)) || md5(coalesce((select string_agg(l::text, '|' order by l.record_id, l.line_no) from yclients.record_services l), '')) as h
               from (select id, datetime, comment, staff_id, client_id, raw, deleted_at is null as live, is_stub from yclients.records) r`
            : `select md5(string_agg(c::text, '|' order by c.id)) || md5(coalesce((select string_agg(l::text, '|' order by l.client_id, l.category_id) from yclients.client_category_links l), '')) as h
               from (select id, name, phone, raw, deleted_at is null as live, is_stub from yclients.clients) c`,
        );
      const [ha, hb] = [(await landed(a)).rows[0]?.h, (await landed(sides[1])).rows[0]?.h];
      console.log(
        `rows landed by the variant: ${ha === hb ? 'the same as the committed merge' : 'DIFFERENT'}`,
      );
    }
    console.log(
      `\n${entity}, ${rows.toLocaleString('en')} rows in pages of ${PAGE_SIZE}: server CPU seconds (company ${COMPANY_ID})\n`,
    );
    console.log(`| stage | CPU s | µs per row |${sides[1] ? ' variant CPU s | variant / committed |' : ''}`);
    console.log(`|---|---|---|${sides[1] ? '---|---|' : ''}`);
    for (const [name, ms, variantMs] of table) {
      const variant =
        variantMs === undefined
          ? ' | |'
          : ` ${(variantMs / 1000).toFixed(2)} | ${(variantMs / ms).toFixed(2)} |`;
      console.log(
        `| ${name} | ${(ms / 1000).toFixed(2)} | ${Math.round((ms * 1000) / rows)} |${sides[1] ? variant : ''}`,
      );
    }
  } finally {
    for (const side of sides) await closeSide(side);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
