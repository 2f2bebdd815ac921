/**
 * Reading a list by position, for lists sorted by a time whose ties come back in a different order on
 * each request (records: yclients-open-questions Q1). The positions a time occupies do not depend on how
 * its ties are ordered, so only a page boundary that splits a group of rows sharing a time can lose or
 * repeat rows. A reader that starts every request at the first position not yet proven complete, and
 * keeps only the rows up to the last change of time in the answer, never splits a group: the group the
 * answer ends in may go on, and the next request starts with it.
 */

/** The largest page YClients serves for records. */
export const MAX_PAGE = 1000;

/** A request (page number and page size) whose page holds `position`, and where that page starts. */
export interface PageAt {
  page: number;
  count: number;
  /** the position of the page's first row (1-based) */
  start: number;
}

/**
 * The request that reads the most rows from `position` on: the API pages by number (`page`, `count`),
 * so a page starts at `(page - 1) · count + 1`; among page sizes up to `max`, the one whose page holding
 * `position` reaches furthest past it (a size that makes `position` a page start reads `count` new
 * rows; far into a list one a little under `max` always does, nearly).
 */
export function pageAt(position: number, max = MAX_PAGE): PageAt {
  let best: PageAt & { fresh: number } = { page: 1, count: max, start: 1, fresh: max + 1 - position };
  for (let count = max; count >= 1 && best.fresh < count; count--) {
    const before = Math.floor((position - 1) / count);
    const start = before * count + 1;
    const fresh = start + count - position;
    if (fresh > best.fresh) best = { page: before + 1, count, start, fresh };
  }
  return { page: best.page, count: best.count, start: best.start };
}

/**
 * Where the last group of rows sharing a time starts in `times` (an answer's rows from the first
 * position not yet proven complete, in order): the rows before it are whole groups. `null` times (rows
 * the SDK rejected, with no usable time) belong to the group of the row before them. 0 when the rows
 * are one group (it may be longer than a page).
 */
export function lastGroupStart(times: ReadonlyArray<number | null>): number {
  let last = 0;
  let previous: number | null = null;
  times.forEach((t, i) => {
    if (t === null) return;
    if (previous !== null && t !== previous) last = i;
    previous = t;
  });
  return last;
}
