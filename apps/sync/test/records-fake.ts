/**
 * A fake `GET /records/{company_id}` for the unit tests of the records pipeline (entities/records.ts,
 * issue 19): newest visit first, `start_date`/`end_date` as company-local days (`end_date` stopping at
 * 23:59:00, as upstream's does), `changed_after` with `with_deleted`, pages by number with a page size
 * the server may clamp, and visit-time ties in an order each request draws anew (yclients-open-questions
 * Q1), unless a test fixes the order. Every request is logged as a `request` event of the fake database
 * (pipeline-fakes.ts) and kept in `requests`; `answer` lets a test change any answer (a fault).
 *
 * Times are Moscow wall times (`+03:00`, no daylight saving), the zone of `makeContext`'s company.
 */
import type { CountedPage, RecordsPageOptions, YcRecord } from '@yclients-pg/sdk';
import type { QuarantinedRow } from '@yclients-pg/sql';
import { vi } from 'vitest';
import { db, liveSet, sqlFakes, TX } from './pipeline-fakes';

export interface FakeRecord {
  id: number;
  /** local visit time `YYYY-MM-DDTHH:MM` */
  at: string;
  deleted?: boolean;
  /** local last change `YYYY-MM-DDTHH:MM:SS` (default: 2024-01-01T00:00:00) */
  changed?: string;
  /** a row the SDK rejects (no usable time): `anonymous` without an id, `identified` with its id */
  rejected?: 'anonymous' | 'identified';
}

/** The order of tied rows in one answer: a key per row (ascending), or `shuffle` (drawn per request). */
export type TieOrder = 'shuffle' | ((row: FakeRecord) => number);

export type Request = Omit<RecordsPageOptions, 'signal'>;

export interface FakeRecordsApi {
  rows: FakeRecord[];
  requests: Request[];
  /** the largest page the server serves (it clamps `count` silently above it) */
  max: number;
  /** the tie order of a request (`n`: its 1-based number) */
  ties: (request: Request, n: number) => TieOrder;
  /** changes an answer before it is returned (a fault); `n` is the request's 1-based number */
  answer?: (page: CountedPage<YcRecord>, request: Request, n: number) => CountedPage<YcRecord>;
  recordsPage(companyId: number, options: RecordsPageOptions): Promise<CountedPage<YcRecord>>;
}

/** A deterministic draw in [0, 1) for a row in a request (a different tie order per request). */
function draw(id: number, n: number): number {
  let h = (id * 2654435761 + n * 40503) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 2246822507) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const naive = (r: FakeRecord) => `${r.at}:00`;

export function fakeRecordsApi(rows: FakeRecord[] = []): FakeRecordsApi {
  const api: FakeRecordsApi = {
    rows,
    requests: [],
    max: 1000,
    ties: () => 'shuffle',
    async recordsPage(companyId, options) {
      const { signal: _signal, ...request } = options;
      api.requests.push(request);
      db.events.push({ op: 'request', list: 'records', params: { companyId, ...request } });
      const n = api.requests.length;
      const order = api.ties(request, n);
      const key = order === 'shuffle' ? (r: FakeRecord) => draw(r.id, n) : order;
      const matching = api.rows
        .filter((r) => (request.withDeleted ? true : !r.deleted))
        .filter((r) => !request.startDate || r.at.slice(0, 10) >= request.startDate)
        .filter((r) => !request.endDate || naive(r) < `${request.endDate}T23:59:00`)
        .filter((r) => !request.changedAfter || (r.changed ?? '2024-01-01T00:00:00') > request.changedAfter)
        .map((r) => ({ r, k: key(r) }))
        .sort((a, b) => (a.r.at === b.r.at ? a.k - b.k : a.r.at < b.r.at ? 1 : -1))
        .map(({ r }) => r);
      const count = Math.min(request.count ?? 1000, api.max);
      const slice = matching.slice((request.page - 1) * count, request.page * count);
      const out: YcRecord[] = [];
      const rejected: QuarantinedRow[] = [];
      slice.forEach((r, index) => {
        if (r.rejected) {
          rejected.push({
            id: r.rejected === 'identified' ? r.id : null,
            index,
            reason: `record ${r.id}: bad datetime`,
            row: '{}',
          });
        } else out.push(recordOf(r));
      });
      const page: CountedPage<YcRecord> = {
        page: request.page,
        rows: out,
        rejected: rejected as CountedPage<YcRecord>['rejected'],
        repairs: { nulDropped: 0, surrogatesReplaced: 0 },
        totalCount: matching.length,
      };
      return api.answer ? api.answer(page, request, n) : page;
    },
  };
  return api;
}

export function recordOf(r: FakeRecord): YcRecord {
  return {
    id: r.id,
    datetime: `${r.at}:00+03:00`,
    deleted: r.deleted ?? false,
    last_change_date: r.changed ?? null,
  } as YcRecord;
}

/** `n` records of one local day, ids from `firstId`, at `minutes(i)` past midnight (default: one a minute from 09:00). */
export function dayOf(
  day: string,
  n: number,
  firstId: number,
  minutes: (i: number) => number = (i) => 9 * 60 + i,
): FakeRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const m = minutes(i);
    const hh = String(Math.floor(m / 60)).padStart(2, '0');
    const mm = String(m % 60).padStart(2, '0');
    return { id: firstId + i, at: `${day}T${hh}:${mm}` };
  });
}

/** `perDay` records on each of `days` days from `from`, ids from `firstId`, two visits at each minute from 08:00. */
export function daysOf(from: string, days: number, perDay: number, firstId: number): FakeRecord[] {
  const out: FakeRecord[] = [];
  for (let d = 0; d < days; d++) {
    const day = new Date(Date.parse(`${from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
    out.push(...dayOf(day, perDay, firstId + d * perDay, (i) => 8 * 60 + Math.floor(i / 2)));
  }
  return out;
}

/** Visit times of the records landed (id → `datetime` as landed), for `liveRows`. */
export const landedAt = new Map<number, string>();
/** What `liveRows` reports as quarantined (rows without a usable time). */
export const quarantine = { count: 0 };

/**
 * `mergePage` and `liveRows` for the records tests, over the fake database of pipeline-fakes.ts: a
 * merge also keeps each record's visit time, and `live_rows` counts the live records in a window.
 */
export const recordsSql = {
  finishRefresh: vi.fn(finishRefresh),
  mergePage: async (...args: Parameters<typeof sqlFakes.mergePage>) => {
    for (const r of args[1].page.rows) landedAt.set(r.id, (r as unknown as YcRecord).datetime);
    return sqlFakes.mergePage(...args);
  },
  liveRows: async (
    _db: unknown,
    args: { entity: string; window?: { from: string; to: string; timeZone: string } },
  ): Promise<{ count: number; first: Date | null; last: Date | null; quarantined: number }> => {
    db.events.push({ op: 'request', list: 'liveRows', params: { window: args.window ?? null } });
    const times = [...liveSet(args.entity)]
      .map((id) => landedAt.get(id)!)
      .filter((t) => {
        const local = t.slice(0, 19).replace('T', ' ');
        return !args.window || (local >= args.window.from && local < args.window.to);
      })
      .sort();
    return {
      count: times.length,
      first: times.length ? new Date(times[0]!) : null,
      last: times.length ? new Date(times.at(-1)!) : null,
      quarantined: args.window ? 0 : quarantine.count,
    };
  },
};

/** Whether a landed record's visit lies in a window of local wall times (`[from, to)`). */
function inWindow(id: number, w?: { from: string; to: string }): boolean {
  if (!w) return true;
  const local = (landedAt.get(id) ?? '').slice(0, 19).replace('T', ' ');
  return local >= w.from && local < w.to;
}

/**
 * finish_refresh for records: as pipeline-fakes.ts's (queued verdicts, `deleted` once they run out),
 * but only the live records inside the window are judged, so one window's end never touches another's.
 */
async function finishRefresh(
  handle: unknown,
  args: { entity: string; refreshId: number; window?: { from: string; to: string } } & Record<
    string,
    unknown
  >,
) {
  if (handle !== TX) throw new Error('finishRefresh outside the finishing transaction');
  const key = `${args.entity}:${args.refreshId}`;
  const seenIds = db.seen.get(key) ?? new Set<number>();
  const live = liveSet(args.entity);
  const scope = [...live].filter((id) => inWindow(id, args.window));
  const unseen = scope.filter((id) => !seenIds.has(id));
  const verdict = db.verdicts.shift() ?? 'deleted';
  if (verdict === 'deleted') for (const id of unseen) live.delete(id);
  if (verdict !== 'suspicious' && verdict !== 'seen_lost') db.seen.delete(key);
  db.events.push({
    op: 'finish',
    args: { ...args },
    seen: [...seenIds].sort((a, b) => a - b),
    verdict,
    deleted: verdict === 'deleted' ? unseen : [],
  });
  return {
    verdict,
    deleted: verdict === 'deleted' ? unseen.length : 0,
    unseen: unseen.length,
    live: scope.length,
    sample: unseen.slice(0, 20),
  };
}

export function resetRecords(): void {
  landedAt.clear();
  quarantine.count = 0;
}
