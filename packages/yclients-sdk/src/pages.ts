/**
 * Async page iteration over list endpoints. YClients pages by number; the end is known from
 * `meta.total_count` (records, clients) or only from an EMPTY page (transactions: no total, and the
 * server may clamp `count`, so a short page is not the end). A page's size on the wire is its rows
 * plus its rejected rows: a page whose every row was refused is not empty.
 */
import { YclientsError } from './errors';
import type { RejectedRow } from './normalise/rows';
import type { Repairs } from './normalise/sanitise';
import { toInt } from './normalise/values';

/** What `iteratePages` needs of a page: its number, its rows, and its total when the list reports one. */
export interface Page<Row = unknown> {
  page: number;
  rows: Row[];
  /** Wire rows that did not normalise (`RejectedRow`s for the SDK's own pages). */
  rejected?: readonly unknown[];
  /** `meta.total_count` (or `meta.count`) when the endpoint reports one. */
  totalCount?: number;
}

/**
 * A normalised list: the rows that normalised, the wire rows that did not (to quarantine, never to
 * merge) and what sanitising changed in all of them.
 */
export interface ListResult<Row> {
  rows: Row[];
  rejected: RejectedRow[];
  repairs: Repairs;
}
/** One page of a list. It is empty only when both `rows` and `rejected` are. */
export interface RowsPage<Row> extends ListResult<Row> {
  page: number;
}
export interface CountedPage<Row> extends RowsPage<Row> {
  totalCount: number;
}

/**
 * A page as `iteratePages` yields it: the page its fetcher returned, plus whether it is the last one
 * (by the same rule as `isLastPage`), so no caller decides the end of a list a second time.
 */
export type IteratedPage<P> = P & {
  /** True for the last page the iteration yields (nothing is requested after it). */
  last: boolean;
};

export type StopRule = 'auto' | 'total' | 'empty' | ((page: Page<unknown>, pageSize: number) => boolean);

export interface PagesOptions {
  /** Rows asked for per page: the list's entry in `PAGE_SIZES` unless you have a reason. */
  pageSize: number;
  /** First page (default 1). */
  startPage?: number;
  /**
   * When to stop after a page: `total` at `page*pageSize >= totalCount` or an empty page; `empty`
   * only at an empty page; `auto` (default) is `total` when the page reports a total, else `empty`.
   */
  stop?: StopRule;
  /**
   * Request page n+1 while the consumer handles page n (only when page n is not the last), so the
   * request budget and the consumer's work overlap. A consumer that stops early leaves at most that one
   * request behind; its failure is then ignored, never an unhandled rejection. Default false.
   */
  readAhead?: boolean;
  /**
   * For a list whose end only an empty page tells (`stop: 'empty'`): distrust the answers that would lose
   * rows unseen, and ask for them again (design §9 in docs/design.md: a suspicious answer is re-read). A page shorter
   * than a later or an earlier page of the same read was cut short, and is asked again before the
   * iteration goes on; at the end, the last page with rows is asked again when it is short of
   * `pageSize` (a bad answer may have cut it), else the empty page is (a bad answer may have faked it).
   * A page asked again is yielded again when the answer holds more rows (merging a page twice is a
   * no-op for what it already held). Costs one request per read, plus one per page cut short.
   */
  recheck?: boolean;
}

/** The total a list's `meta` reports, if any (`meta` may be `[]`). */
export function totalOf(meta: unknown): number | undefined {
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  const m = meta as Record<string, unknown>;
  return toInt(m.total_count) ?? toInt(m.count) ?? undefined;
}

/**
 * Whether `page` ends the list under `stop` (an empty page always does). `iteratePages` applies it and
 * reports the answer as `page.last`; call it directly only for a page read outside an iteration.
 */
export function isLastPage(page: Page<unknown>, pageSize: number, stop: StopRule = 'auto'): boolean {
  if (wireLength(page) === 0) return true;
  if (typeof stop === 'function') return stop(page, pageSize);
  if (stop === 'empty') return false;
  if (page.totalCount === undefined) return stop === 'total';
  return page.page * pageSize >= page.totalCount;
}

/**
 * Pages from `fetchPage` until the stop rule says so, yielded as `fetchPage` shaped them (a
 * `CountedPage` stays one) with `last` added: true on the final page. Throws `page_repeated` when a page
 * holds exactly the ids of the page before (a server ignoring the page parameter would loop forever).
 * Pages without a good row are not compared: rejected rows may have no id, and two such pages in a row
 * are no proof of a loop.
 *
 * @example
 * for await (const page of iteratePages((page, count) => yc.clientsPage(id, { page, count }), {
 *   label: 'clients',
 *   pageSize: PAGE_SIZES.clients,
 * })) {
 *   save(page.rows);
 *   if (page.last) markComplete();
 * }
 */
export async function* iteratePages<Row, P extends Page<Row> = Page<Row>>(
  fetchPage: (page: number, pageSize: number) => Promise<P>,
  options: PagesOptions & { label: string },
): AsyncGenerator<IteratedPage<P>, void, undefined> {
  let previous: string | null = null;
  const request = (n: number) => {
    const promise = fetchPage(n, options.pageSize);
    promise.catch(() => {}); // a read-ahead the consumer never awaits; awaiting it still throws
    return promise;
  };
  /** the page yielded before this one, and the longest page of the read so far (`recheck`) */
  let before: P | undefined;
  let longest = 0;
  const rechecked = new Set<number>();
  let pending = request(options.startPage ?? 1);
  for (let n = options.startPage ?? 1; ; n++) {
    let page = await pending;
    if (options.recheck) {
      const again = suspectBefore(before, page, longest, options.pageSize, rechecked);
      if (again !== undefined) {
        rechecked.add(again);
        const answer = await fetchPage(again, options.pageSize);
        if (again === page.page)
          page = answer; // the empty page, asked again
        else if (wireLength(answer) > wireLength(before!)) {
          // the page before was cut short: its rows again, then this page judged again against it
          longest = Math.max(longest, wireLength(answer));
          before = answer;
          yield { ...answer, last: false };
          pending = Promise.resolve(page);
          n--;
          continue;
        }
      }
      longest = Math.max(longest, wireLength(page));
      before = page;
    }
    const signature =
      page.rows.length > 0 ? JSON.stringify([page.rows.map(idOf), (page.rejected ?? []).map(idOf)]) : null;
    if (signature !== null && signature === previous) {
      throw new YclientsError(
        'page_repeated',
        `${options.label}: page ${n} repeats page ${n - 1} (the server ignored the page parameter?)`,
      );
    }
    previous = signature;
    const last = isLastPage(page, options.pageSize, options.stop);
    if (!last && options.readAhead) pending = request(n + 1);
    yield { ...page, last };
    if (last) return;
    if (!options.readAhead) pending = request(n + 1);
  }
}

/**
 * Which page `recheck` asks again now that `page` arrived, if any: the page before it when that one is
 * shorter than the read's pages on either side of it (cut short), or, when `page` is empty (the end),
 * the page before it if short of `pageSize`, else `page` itself. Each page is asked again once.
 */
function suspectBefore<P extends Page<unknown>>(
  before: P | undefined,
  page: P,
  longest: number,
  pageSize: number,
  rechecked: Set<number>,
): number | undefined {
  const length = wireLength(page);
  const prior = before && wireLength(before) > 0 ? wireLength(before) : undefined;
  let suspect: number | undefined;
  if (length === 0) suspect = prior !== undefined && prior < pageSize ? before!.page : page.page;
  else if (prior !== undefined && prior < Math.max(longest, length)) suspect = before!.page;
  return suspect === undefined || rechecked.has(suspect) ? undefined : suspect;
}

function wireLength(page: Page<unknown>): number {
  return page.rows.length + (page.rejected?.length ?? 0);
}

function idOf(row: unknown): unknown {
  return row && typeof row === 'object' ? (row as { id?: unknown }).id : row;
}
