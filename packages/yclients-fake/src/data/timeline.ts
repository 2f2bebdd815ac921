import { sortedInsertionPoint } from './id-table';

/**
 * A table ordered by time, newest first, whose base rows are computed on demand: base row i sits at a
 * time that never decreases with i, so "sorted by time" needs no sort and a date window is two binary
 * searches. Base rows whose index matches a residue pattern are deleted (countable by arithmetic), and
 * mutated or inserted rows are kept on the side (O(mutations)) and merged into each page.
 */
export interface TimelineSpec<T, S> {
  baseCount: number;
  /** non-decreasing in the index */
  timeOf(index: number): number;
  idOf(index: number): number;
  indexOf(id: number): number | undefined;
  /** base rows with index % deletedModulus === deletedResidue are deleted upstream */
  deletedModulus: number;
  deletedResidue: number;
  generate(index: number): T;
  /** the fields filters need, computed without the whole row */
  skeleton(index: number): S;
}

export interface TimelineEntry<T> {
  row: T;
  time: number;
  deleted: boolean;
  /** hard-deleted upstream: in no answer at all, not even with deleted rows */
  gone?: boolean;
}

export type DeletedMode = 'exclude' | 'include' | 'only';

export interface TimelineQuery<T, S> {
  /** inclusive bounds on the time */
  from?: number;
  to?: number;
  deleted: DeletedMode;
  /** Filters that need a scan of the base rows (cheap skeletons), and the same test on mutated rows. */
  filter?: { base(index: number, skeleton: S): boolean; entry(entry: TimelineEntry<T>): boolean };
  /** Base rows before this time cannot match the filter: the scan starts there. */
  scanFrom?: number;
  /** No base row can match the filter. */
  skipBase?: boolean;
}

interface RankedBase {
  size: number;
  indexAt(rank: number): number;
  next(rank: number, index: number): number;
}

type Item<T> = { time: number; row: () => T };

export class Timeline<T extends { id: number }, S> {
  private readonly overrides = new Map<number, TimelineEntry<T>>();
  /** overridden base indices, ascending; split by the deleted pattern for counting */
  private overridden: number[] = [];
  private overriddenPattern: number[] = [];
  private inserted: TimelineEntry<T>[] = [];

  constructor(readonly spec: TimelineSpec<T, S>) {}

  isPatternDeleted(index: number): boolean {
    return index % this.spec.deletedModulus === this.spec.deletedResidue;
  }

  /** The first base index whose time is >= t (baseCount when none). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.spec.baseCount;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.spec.timeOf(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  baseEntry(index: number): TimelineEntry<T> {
    return (
      this.overrides.get(index) ?? {
        row: this.spec.generate(index),
        time: this.spec.timeOf(index),
        deleted: this.isPatternDeleted(index),
      }
    );
  }

  get(id: number): TimelineEntry<T> | undefined {
    const index = this.spec.indexOf(id);
    if (index !== undefined) return this.baseEntry(index);
    return this.inserted.find((e) => e.row.id === id);
  }

  insert(entry: TimelineEntry<T>): void {
    const last = this.inserted.at(-1);
    if (last && last.row.id >= entry.row.id) throw new Error('inserted ids must grow');
    this.inserted.push(entry);
  }

  /** Stores the new version of an existing row. */
  put(entry: TimelineEntry<T>): boolean {
    const index = this.spec.indexOf(entry.row.id);
    if (index !== undefined) {
      if (!this.overrides.has(index)) {
        this.overridden.splice(sortedInsertionPoint(this.overridden, index), 0, index);
        if (this.isPatternDeleted(index)) {
          this.overriddenPattern.splice(sortedInsertionPoint(this.overriddenPattern, index), 0, index);
        }
      }
      this.overrides.set(index, entry);
      return true;
    }
    const at = this.inserted.findIndex((e) => e.row.id === entry.row.id);
    if (at < 0) return false;
    this.inserted[at] = entry;
    return true;
  }

  /** Every row (deleted ones included) in base order, then inserted ones. */
  *entries(): IterableIterator<TimelineEntry<T>> {
    for (let index = 0; index < this.spec.baseCount; index++) yield this.baseEntry(index);
    yield* this.inserted;
  }

  mutationCount(): number {
    return this.overrides.size + this.inserted.length;
  }

  reset(): void {
    this.overrides.clear();
    this.overridden = [];
    this.overriddenPattern = [];
    this.inserted = [];
  }

  /**
   * One page, newest first: rows at positions [offset, offset + count) of the filtered list, and the
   * list's size. With `shuffle`, rows at the same time come in an order drawn from it, so equal-time rows
   * straddling a page boundary may repeat or go missing between pages, as on the real API.
   */
  page(
    query: TimelineQuery<T, S>,
    offset: number,
    count: number,
    shuffle?: () => number,
  ): { rows: T[]; total: number } {
    const base = this.rankedBase(query);
    const extras = this.extras(query);
    const total = base.size + extras.length;
    if (offset >= total || count <= 0) return { rows: [], total };
    const end = Math.min(total, offset + count);

    const greaterCount = (t: number): number => {
      // extras are sorted by time descending: how many are strictly newer than t
      let lo = 0;
      let hi = extras.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (extras[mid]!.time > t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const position = (rank: number): number =>
      rank >= base.size
        ? base.size + extras.length
        : rank + greaterCount(this.spec.timeOf(base.indexAt(rank)));

    /** Walks the merged list from `pos` for `n` items. */
    const walk = (pos: number, n: number): Item<T>[] => {
      let lo = 0;
      let hi = base.size;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (position(mid) < pos) lo = mid + 1;
        else hi = mid;
      }
      let rank = lo;
      let index = rank < base.size ? base.indexAt(rank) : -1;
      let x = rank < base.size && position(rank) === pos ? greaterCount(this.spec.timeOf(index)) : pos - rank;
      const out: Item<T>[] = [];
      while (out.length < n) {
        const baseTime = rank < base.size ? this.spec.timeOf(index) : Number.NEGATIVE_INFINITY;
        const extra = extras[x];
        if (extra && extra.time > baseTime) {
          out.push({ time: extra.time, row: () => extra.row });
          x++;
        } else if (rank < base.size) {
          const i = index;
          out.push({ time: baseTime, row: () => this.spec.generate(i) });
          index = rank + 1 < base.size ? base.next(rank, index) : -1;
          rank++;
        } else break;
      }
      return out;
    };

    let items = walk(offset, end - offset);
    if (!shuffle) return { rows: items.map((it) => it.row()), total };

    // Take in every row tied with the page's first and last rows, shuffle each run of equal times, cut again.
    let start = offset;
    const firstTime = items[0]!.time;
    while (start > 0 && walk(start - 1, 1)[0]!.time === firstTime) start--;
    let stop = end;
    const lastTime = items.at(-1)!.time;
    while (stop < total && walk(stop, 1)[0]!.time === lastTime) stop++;
    if (start < offset || stop > end) items = walk(start, stop - start);
    for (let i = 0; i < items.length; ) {
      let j = i + 1;
      while (j < items.length && items[j]!.time === items[i]!.time) j++;
      for (let k = j - 1; k > i; k--) {
        const r = i + Math.floor(shuffle() * (k - i + 1));
        [items[k], items[r]] = [items[r]!, items[k]!];
      }
      i = j;
    }
    return { rows: items.slice(offset - start, end - start).map((it) => it.row()), total };
  }

  private window(query: TimelineQuery<T, S>): [number, number] {
    const lo = query.from === undefined ? 0 : this.lowerBound(query.from);
    const hi = query.to === undefined ? this.spec.baseCount : this.lowerBound(query.to + 1);
    return [lo, Math.max(lo, hi)];
  }

  private patternOk(index: number, mode: DeletedMode): boolean {
    if (mode === 'include') return true;
    return this.isPatternDeleted(index) === (mode === 'only');
  }

  private rankedBase(query: TimelineQuery<T, S>): RankedBase {
    let [lo, hi] = this.window(query);
    if (query.skipBase) hi = lo;
    const mode = query.deleted;
    if (query.filter) {
      if (query.scanFrom !== undefined) lo = Math.max(lo, this.lowerBound(query.scanFrom));
      // A scan: transient memory proportional to the matches of this one request, nothing kept.
      const matches: number[] = [];
      for (let i = hi - 1; i >= lo; i--) {
        if (this.overrides.has(i) || !this.patternOk(i, mode)) continue;
        if (query.filter.base(i, this.spec.skeleton(i))) matches.push(i);
      }
      return { size: matches.length, indexAt: (r) => matches[r]!, next: (r) => matches[r + 1]! };
    }
    const { deletedModulus: m, deletedResidue: res } = this.spec;
    const residues = (n: number) => (n > res ? Math.floor((n - 1 - res) / m) + 1 : 0);
    const between = (sorted: number[], a: number, b: number) =>
      sortedInsertionPoint(sorted, b) - sortedInsertionPoint(sorted, a);
    // eligible base rows in [a, b): pattern-eligible minus overridden (mutated rows live in the extras)
    const eligible = (a: number, b: number): number => {
      const pattern = residues(b) - residues(a);
      const over = between(this.overridden, a, b);
      const overPattern = between(this.overriddenPattern, a, b);
      if (mode === 'include') return b - a - over;
      if (mode === 'only') return pattern - overPattern;
      return b - a - pattern - (over - overPattern);
    };
    const size = eligible(lo, hi);
    return {
      size,
      indexAt: (rank) => {
        // the largest i with eligible(i, hi) >= rank + 1 is the row of that rank (newest first)
        let a = lo;
        let b = hi - 1;
        while (a < b) {
          const mid = Math.ceil((a + b) / 2);
          if (eligible(mid, hi) >= rank + 1) a = mid;
          else b = mid - 1;
        }
        return a;
      },
      next: (_rank, index) => {
        let i = index - 1;
        while (i >= lo && (this.overrides.has(i) || !this.patternOk(i, mode))) i--;
        return i;
      },
    };
  }

  private extras(query: TimelineQuery<T, S>): TimelineEntry<T>[] {
    const out: TimelineEntry<T>[] = [];
    const consider = (e: TimelineEntry<T>) => {
      if (e.gone) return;
      if (query.from !== undefined && e.time < query.from) return;
      if (query.to !== undefined && e.time > query.to) return;
      if (query.deleted !== 'include' && e.deleted !== (query.deleted === 'only')) return;
      if (query.filter && !query.filter.entry(e)) return;
      out.push(e);
    };
    for (const e of this.overrides.values()) consider(e);
    for (const e of this.inserted) consider(e);
    return out.sort((a, b) => b.time - a.time || b.row.id - a.row.id);
  }
}
