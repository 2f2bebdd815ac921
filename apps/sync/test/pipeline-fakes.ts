/**
 * Fakes for the unit tests of the entity pipelines (clients, transactions, catalogs, land-page; issue
 * 19): a fake database behind the `@yclients-pg/sql` functions the pipelines call, and a fake upstream
 * list. No PostgreSQL: what the pipeline asked for and wrote is kept as an ordered list of events.
 *
 * The fake database keeps what the SQL keeps, in the small: the checkpoint in `sync_state` (only the
 * keys a write carries), the ids each refresh has seen, the live ids per entity. finish_refresh answers
 * the verdicts a test queues (`deleted` when none is queued) and, on `deleted`, soft-deletes the live
 * ids the refresh did not see. Each test file mocks `@yclients-pg/sql` with {@link sqlFakes}:
 *
 *   vi.mock('@yclients-pg/sql', async (original) => ({
 *     ...(await original<typeof import('@yclients-pg/sql')>()),
 *     ...(await import('./pipeline-fakes')).sqlFakes,
 *   }));
 */
import type {
  Checkpoint,
  DeleteGuard,
  EntityState,
  MergeCounts,
  PageContent,
  QuarantinedRow,
  RefreshOutcome,
  RefreshVerdict,
} from '@yclients-pg/sql';
import { vi } from 'vitest';
import type { SyncConfig } from '../src/config';
import type { EntityContext } from '../src/entities/context';
import type { Logger } from '../src/log/logger';

/** What the pipeline did, in order: requests upstream and calls to the database. */
export type Event =
  | { op: 'request'; list: string; params: Record<string, unknown> }
  | {
      op: 'land';
      entity: string;
      ids: Array<number | null>;
      checkpoint: Checkpoint | undefined;
      refreshId: number | undefined;
      runId: number;
      companyId: number;
    }
  | { op: 'checkpoint'; entity: string; checkpoint: Checkpoint; inTx: boolean; companyId: number }
  | { op: 'seenLost'; entity: string; refreshId: number }
  | { op: 'seenCount'; entity: string; refreshId: number; n: number }
  | { op: 'forget'; entity: string; companyId: number }
  | {
      op: 'finish';
      args: Record<string, unknown>;
      seen: number[];
      verdict: RefreshVerdict;
      deleted: number[];
    }
  | { op: 'landList'; args: Record<string, unknown>; verdict: RefreshVerdict };

/** The transaction handle endRefresh gets from `ctx.db.tx`. */
export const TX = { fake: 'the finishing transaction' };

export interface FakeDb {
  events: Event[];
  /** sync_state per entity: the checkpoint keys written so far */
  state: Map<string, Checkpoint>;
  /** seen ids per `${entity}:${refreshId}` */
  seen: Map<string, Set<number>>;
  /** live (not soft-deleted) ids per entity */
  live: Map<string, Set<number>>;
  /** verdicts finish_refresh (and land_list) answers in turn; `deleted` once they run out */
  verdicts: RefreshVerdict[];
  /** answers of refresh_seen_lost in turn; false once they run out */
  seenLost: boolean[];
  /** what a merge reports for a page (default: every row inserted, rejected rows quarantined) */
  counts: (page: PageContent) => MergeCounts;
  /** throws this from the next merge, if set */
  failMerge?: Error;
}

export const db: FakeDb = blank();

function blank(): FakeDb {
  return {
    events: [],
    state: new Map(),
    seen: new Map(),
    live: new Map(),
    verdicts: [],
    seenLost: [],
    counts: (page) => ({
      inserted: page.rows.length,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      quarantined: page.rejected?.length ?? 0,
    }),
  };
}

export function resetDb(): void {
  Object.assign(db, blank());
}

const seenSet = (entity: string, refreshId: number) => {
  const key = `${entity}:${refreshId}`;
  const set = db.seen.get(key) ?? new Set<number>();
  db.seen.set(key, set);
  return set;
};
export const liveSet = (entity: string) => {
  const set = db.live.get(entity) ?? new Set<number>();
  db.live.set(entity, set);
  return set;
};
const idsOf = (page: PageContent) => [
  ...page.rows.map((r) => r.id),
  ...(page.rejected ?? []).flatMap((r) => (r.id === null ? [] : [r.id])),
];

function writeState(entity: string, checkpoint: Checkpoint | undefined): void {
  if (!checkpoint) return;
  db.state.set(entity, { ...db.state.get(entity), ...checkpoint });
}

function outcome(
  entity: string,
  refreshId: number,
  verdict: RefreshVerdict,
): RefreshOutcome & { ids: number[] } {
  const seen = seenSet(entity, refreshId);
  const live = liveSet(entity);
  const unseen = [...live].filter((id) => !seen.has(id));
  if (verdict === 'deleted') for (const id of unseen) live.delete(id);
  // a final verdict forgets the refresh's ids; suspicious keeps them, seen_lost leaves them to forgetRefresh
  if (verdict !== 'suspicious' && verdict !== 'seen_lost') db.seen.delete(`${entity}:${refreshId}`);
  return {
    verdict,
    deleted: verdict === 'deleted' ? unseen.length : 0,
    unseen: unseen.length,
    live: live.size + (verdict === 'deleted' ? unseen.length : 0),
    sample: unseen.slice(0, 20),
    ids: verdict === 'deleted' ? unseen : [],
  };
}

/** The `@yclients-pg/sql` functions the pipelines call, working on {@link db}. */
export const sqlFakes = {
  mergePage: vi.fn(
    async (
      _db: unknown,
      args: {
        entity: string;
        companyId: number;
        runId: number;
        page: PageContent;
        checkpoint?: Checkpoint;
        refreshId?: number;
      },
    ): Promise<MergeCounts> => {
      if (db.failMerge) throw db.failMerge;
      db.events.push({
        op: 'land',
        entity: args.entity,
        ids: [...args.page.rows.map((r) => r.id), ...(args.page.rejected ?? []).map((r) => r.id)],
        checkpoint: args.checkpoint,
        refreshId: args.refreshId,
        runId: args.runId,
        companyId: args.companyId,
      });
      for (const id of args.page.rows.map((r) => r.id)) liveSet(args.entity).add(id);
      if (args.refreshId !== undefined) {
        for (const id of idsOf(args.page)) seenSet(args.entity, args.refreshId).add(id);
      }
      writeState(args.entity, args.checkpoint);
      return db.counts(args.page);
    },
  ),
  writeCheckpoint: vi.fn(
    async (handle: unknown, companyId: number, entity: string, checkpoint: Checkpoint) => {
      db.events.push({ op: 'checkpoint', entity, checkpoint, inTx: handle === TX, companyId });
      writeState(entity, checkpoint);
    },
  ),
  seenLost: vi.fn(async (_db: unknown, args: { entity: string; refreshId: number }) => {
    db.events.push({ op: 'seenLost', entity: args.entity, refreshId: args.refreshId });
    return db.seenLost.shift() ?? false;
  }),
  seenCount: vi.fn(async (_db: unknown, args: { entity: string; refreshId: number }) => {
    const n = seenSet(args.entity, args.refreshId).size;
    db.events.push({ op: 'seenCount', entity: args.entity, refreshId: args.refreshId, n });
    return n;
  }),
  forgetRefresh: vi.fn(async (_db: unknown, args: { entity: string; companyId: number }) => {
    db.events.push({ op: 'forget', entity: args.entity, companyId: args.companyId });
    for (const key of [...db.seen.keys()]) if (key.startsWith(`${args.entity}:`)) db.seen.delete(key);
  }),
  finishRefresh: vi.fn(
    async (handle: unknown, args: { entity: string; refreshId: number } & Record<string, unknown>) => {
      if (handle !== TX) throw new Error('finishRefresh outside the finishing transaction');
      const seen = [...seenSet(args.entity, args.refreshId)].sort((a, b) => a - b);
      const verdict = db.verdicts.shift() ?? 'deleted';
      const { ids, ...result } = outcome(args.entity, args.refreshId, verdict);
      db.events.push({ op: 'finish', args: { ...args }, seen, verdict, deleted: ids });
      return result;
    },
  ),
  mergeAndFinish: vi.fn(
    async (
      _db: unknown,
      args: {
        entity: string;
        companyId: number;
        runId: number;
        page: PageContent;
        checkpoint?: Checkpoint;
        refreshId: number;
        guard: DeleteGuard;
        reread: boolean;
      },
    ) => {
      if (db.failMerge) throw db.failMerge;
      for (const id of args.page.rows.map((r) => r.id)) liveSet(args.entity).add(id);
      for (const id of idsOf(args.page)) seenSet(args.entity, args.refreshId).add(id);
      writeState(args.entity, args.checkpoint);
      const verdict = db.verdicts.shift() ?? 'deleted';
      const { ids: _ids, ...result } = outcome(args.entity, args.refreshId, verdict);
      db.events.push({ op: 'landList', args: { ...args }, verdict });
      return { counts: db.counts(args.page), outcome: result };
    },
  ),
};

/** sync_state of an entity as readState would return it, for the next run's context. */
export function stateOf(entity: string): EntityState | null {
  const c = db.state.get(entity);
  if (!c) return null;
  return {
    lastId: c.last_id ?? null,
    lastOrdinal: c.last_ordinal ?? null,
    pageSize: c.page_size ?? null,
    cursor: c.cursor ?? null,
    status: 'succeeded',
    tryCount: 0,
    nextTryAt: null,
    lastError: null,
  };
}

export const events = <K extends Event['op']>(op: K): Array<Extract<Event, { op: K }>> =>
  db.events.filter((e): e is Extract<Event, { op: K }> => e.op === op);
export const requests = (list?: string) =>
  events('request')
    .filter((e) => list === undefined || e.list === list)
    .map((e) => e.params);

export type Line = { level: string; event: string; fields?: Record<string, unknown> };

export const GUARD: DeleteGuard = { maxRows: 20, maxFraction: 0.1, confirmed: false };

/** A context for one entity of company 101 in run 7 (overridable), logging into `lines`. */
export function makeContext(yc: object, over: Partial<EntityContext> = {}, config: Partial<SyncConfig> = {}) {
  const lines: Line[] = [];
  const log: Logger = {
    debug: (event, fields) => lines.push({ level: 'debug', event, fields }),
    info: (event, fields) => lines.push({ level: 'info', event, fields }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields) => lines.push({ level: 'error', event, fields }),
    child: () => log,
    print: () => {},
    json: true,
  };
  const progress = { start: vi.fn(), total: vi.fn(), page: vi.fn(), done: vi.fn(), clear: vi.fn() };
  const ctx: EntityContext = {
    yc: yc as EntityContext['yc'],
    db: { tx: (fn: (t: unknown) => Promise<unknown>) => fn(TX) } as unknown as EntityContext['db'],
    config: { changedAfterOverlapMinutes: 45, transactionsLookbackDays: 30, ...config } as SyncConfig,
    companyId: 101,
    runId: 7,
    timeZone: 'Europe/Moscow',
    runStartedAt: new Date('2026-11-23T10:00:00Z'), // 13:00 in Moscow
    full: false,
    guard: GUARD,
    state: null,
    log,
    progress,
    counted: vi.fn(),
    removed: vi.fn(),
    withheld: vi.fn(),
    ...over,
  };
  return {
    ctx,
    lines,
    progress,
    counted: ctx.counted as ReturnType<typeof vi.fn>,
    removed: ctx.removed as ReturnType<typeof vi.fn>,
    withheld: ctx.withheld as ReturnType<typeof vi.fn>,
  };
}

/** A row of a fake list: a client or transaction with an id, or a wire row the SDK rejected. */
export type WireRow = number | { rejected: number | null };

/** Splits wire rows into a page as the SDK hands it over (rejected rows indexed within the page). */
export function pageOf(wire: readonly WireRow[]): {
  rows: Array<{ id: number }>;
  rejected: QuarantinedRow[];
} {
  const rows: Array<{ id: number }> = [];
  const rejected: QuarantinedRow[] = [];
  wire.forEach((w, index) => {
    if (typeof w === 'number') rows.push({ id: w });
    else rejected.push({ id: w.rejected, index, reason: 'bad row', row: '{}' });
  });
  return { rows, rejected };
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
