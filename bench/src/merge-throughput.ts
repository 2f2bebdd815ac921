/**
 * Suites 1 and 2: the same 200-row pages loaded row by row, through the merge functions, and by raw COPY —
 * directly, then through the latency proxy. Only the time spent sending pages is measured (page generation
 * is excluded), from the first page to the commit of the last.
 */

import type { Db } from '@yclients-pg/sql';
import { CountingClient, withHostPort } from './database';
import { CATALOG, clientPoolFor, type Entity, page, pageCount } from './generate';
import { startLatencyProxy } from './latency-proxy';
import {
  createFloorTables,
  isCopy,
  landedCounts,
  loadPage,
  type MergeCounts,
  type Method,
  mergeConnection,
  newRunId,
  resetTables,
  seedParents,
} from './loaders';

export const PAGE_SIZE = 200;
export const METHODS: readonly Method[] = ['rowByRow', 'merge', 'copy', 'copyKeyed'];
export type Scenario = 'fresh' | 'unchanged90';

export interface Measurement {
  entity: Entity;
  method: Method;
  scenario: Scenario;
  rows: number;
  pages: number;
  seconds: number;
  rowsPerSecond: number;
  /** Requests the client sent and waited for, per page. */
  queriesPerPage: number;
  /** Round trips seen on the wire by the latency proxy, per page (latency suite only). */
  wireRoundTripsPerPage?: number;
  /** Rows in the target table and its child table after the pass. */
  landed: { rows: number; children: number };
  /** The merge's own counts summed over the pages. */
  mergeCounts?: MergeCounts;
}

export interface ThroughputOptions {
  url: string;
  /** Rows per entity for merge and COPY. */
  sizes: number[];
  /** Row-by-row gets at most this many rows (it is the slow one; its rate does not depend on the size). */
  rowByRowMax: number;
  scenarios: Scenario[];
  entities: Entity[];
  /** Set for suite 2: the delay the proxy adds each way. */
  latencyMs?: number;
  log: (line: string) => void;
}

async function bestEffort(db: CountingClient, text: string): Promise<void> {
  try {
    await db.query(text);
  } catch {
    // CHECKPOINT needs superuser (or pg_checkpoint); without it the runs are just a little noisier.
  }
}

/** One pass of `rows` rows at `version`, timed. */
async function pass(
  db: CountingClient,
  mergeDb: Db,
  method: Method,
  entity: Entity,
  rows: number,
  version: number,
  runId: number,
): Promise<{ seconds: number; queries: number; mergeCounts?: MergeCounts }> {
  const pages = pageCount(rows, PAGE_SIZE);
  const counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0, deleted: 0 };
  let elapsed = 0;
  const before = db.queries;
  for (let i = 0; i < pages; i++) {
    const data = page(entity, i, PAGE_SIZE, rows, version);
    const start = performance.now();
    const result = await loadPage(db, method, entity, data, {
      runId,
      ordinal: i * PAGE_SIZE + data.length,
      merge: mergeDb,
    });
    elapsed += performance.now() - start;
    if (result) {
      counts.inserted += result.inserted;
      counts.updated += result.updated;
      counts.unchanged += result.unchanged;
      counts.deleted += result.deleted;
    }
  }
  return {
    seconds: elapsed / 1000,
    queries: db.queries - before,
    ...(method === 'merge' ? { mergeCounts: counts } : {}),
  };
}

export async function runThroughput(options: ThroughputOptions): Promise<Measurement[]> {
  const { log } = options;
  const direct = new CountingClient(options.url);
  await direct.connect();
  const target = new URL(options.url);
  const proxy =
    options.latencyMs === undefined
      ? undefined
      : await startLatencyProxy({
          targetHost: target.hostname,
          targetPort: Number(target.port || 5432),
          delayMs: options.latencyMs,
        });
  const senderUrl = proxy ? withHostPort(options.url, proxy.host, proxy.port) : options.url;
  const sender = proxy ? new CountingClient(senderUrl) : direct;
  if (sender !== direct) await sender.connect();
  // the merge goes through the sql package (mergePage → land_page) on its own connection, like the sync;
  // the seeding passes use a direct one
  const mergeSender = mergeConnection(senderUrl, sender);
  const mergeDirect = proxy ? mergeConnection(options.url, direct) : mergeSender;
  const results: Measurement[] = [];
  try {
    await createFloorTables(direct);
    const runId = await newRunId(mergeDirect);
    for (const entity of options.entities) {
      for (const size of options.sizes) {
        if (entity === 'records') await seedParents(direct, clientPoolFor(size), CATALOG);
        for (const method of METHODS) {
          const rows = method === 'rowByRow' ? Math.min(size, options.rowByRowMax) : size;
          if (
            method === 'rowByRow' &&
            rows < size &&
            results.some((r) => r.entity === entity && r.method === method && r.rows === rows)
          )
            continue; // the capped row-by-row run for this entity is already measured
          await resetTables(direct, entity, method);
          for (const scenario of options.scenarios) {
            // The 90%-unchanged pass re-sends the same pages with 10% of rows changed onto the loaded table;
            // COPY has no table to compare with, so its floor is always a load into an empty table.
            if (scenario === 'fresh' || isCopy(method)) await resetTables(direct, entity, method);
            if (scenario === 'unchanged90' && !options.scenarios.includes('fresh') && !isCopy(method)) {
              await pass(
                direct,
                mergeDirect.db,
                method === 'rowByRow' ? 'merge' : method,
                entity,
                rows,
                1,
                runId,
              );
            }
            await bestEffort(direct, 'checkpoint');
            // the merge's connection is open (and warm) before the clock starts, as the other methods' are
            if (method === 'merge') await mergeSender.db.query(mergeSender.db.sql`select 1`);
            proxy?.reset();
            const version = scenario === 'fresh' ? 1 : 2;
            const timed = await pass(sender, mergeSender.db, method, entity, rows, version, runId);
            const pages = pageCount(rows, PAGE_SIZE);
            const landed = await landedCounts(direct, entity, method);
            const m: Measurement = {
              entity,
              method,
              scenario,
              rows,
              pages,
              seconds: timed.seconds,
              rowsPerSecond: rows / timed.seconds,
              queriesPerPage: timed.queries / pages,
              ...(proxy ? { wireRoundTripsPerPage: proxy.counters.turns / pages } : {}),
              landed,
              ...(timed.mergeCounts ? { mergeCounts: timed.mergeCounts } : {}),
            };
            results.push(m);
            log(
              `  ${entity} ${scenario} ${method}: ${rows} rows in ${m.seconds.toFixed(2)} s = ${Math.round(m.rowsPerSecond)} rows/s, ` +
                `${m.queriesPerPage.toFixed(1)} queries/page${m.wireRoundTripsPerPage === undefined ? '' : `, ${m.wireRoundTripsPerPage.toFixed(1)} wire round trips/page`}` +
                `${m.mergeCounts ? ` (merge: +${m.mergeCounts.inserted} ~${m.mergeCounts.updated} =${m.mergeCounts.unchanged})` : ''}`,
            );
          }
        }
      }
    }
  } finally {
    await mergeSender.dispose().catch(() => {});
    if (mergeDirect !== mergeSender) await mergeDirect.dispose().catch(() => {});
    if (sender !== direct) await sender.end().catch(() => {});
    await direct.end().catch(() => {});
    await proxy?.close();
  }
  return results;
}

export interface Ratio {
  entity: Entity;
  scenario: Scenario;
  rows: number;
  mergeRowsPerSecond: number;
  rowByRowRowsPerSecond?: number;
  copyRowsPerSecond?: number;
  /** merge ÷ row-by-row (goal ≥ 20). */
  mergeVsRowByRow?: number;
  /** merge ÷ COPY (goal ≥ 0.5). */
  mergeVsCopy?: number;
  copyKeyedRowsPerSecond?: number;
  /** merge ÷ COPY into tables like the sync's (logged, keys and indexes): no goal, where the gap is. */
  mergeVsCopyKeyed?: number;
}

/** Merge against the other two for each (entity, scenario, size); row-by-row may have run on fewer rows. */
export function ratios(measurements: Measurement[]): Ratio[] {
  const out: Ratio[] = [];
  for (const m of measurements.filter((x) => x.method === 'merge')) {
    const same = (method: Method) =>
      measurements.find(
        (x) => x.method === method && x.entity === m.entity && x.scenario === m.scenario && x.rows === m.rows,
      ) ??
      measurements.find(
        (x) =>
          x.method === method &&
          x.entity === m.entity &&
          x.scenario === m.scenario &&
          (method === 'rowByRow' ? x.rows <= m.rows : false),
      );
    const rbr = same('rowByRow');
    const cp = same('copy');
    const keyed = same('copyKeyed');
    out.push({
      entity: m.entity,
      scenario: m.scenario,
      rows: m.rows,
      mergeRowsPerSecond: m.rowsPerSecond,
      ...(rbr
        ? { rowByRowRowsPerSecond: rbr.rowsPerSecond, mergeVsRowByRow: m.rowsPerSecond / rbr.rowsPerSecond }
        : {}),
      ...(cp ? { copyRowsPerSecond: cp.rowsPerSecond, mergeVsCopy: m.rowsPerSecond / cp.rowsPerSecond } : {}),
      ...(keyed
        ? {
            copyKeyedRowsPerSecond: keyed.rowsPerSecond,
            mergeVsCopyKeyed: m.rowsPerSecond / keyed.rowsPerSecond,
          }
        : {}),
    });
  }
  return out;
}
