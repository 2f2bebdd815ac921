/**
 * A table ordered by id whose base rows are computed on demand from their index, with mutations kept
 * on the side. Memory is O(mutations): the base is never materialised, and the k-th live row is found
 * by arithmetic over the (small) sorted list of deleted base indices.
 */
export interface IdTableSpec<T> {
  baseCount: number;
  /** strictly increasing in the index */
  idOf(index: number): number;
  /** the inverse of idOf, undefined for ids that are not base ids */
  indexOf(id: number): number | undefined;
  generate(index: number): T;
}

export class IdTable<T extends { id: number }> {
  private readonly overrides = new Map<number, T>();
  /** deleted base indices, ascending */
  private deleted: number[] = [];
  private readonly deletedSet = new Set<number>();
  /** inserted rows, ascending id (new ids are always above every base id) */
  private inserted: T[] = [];

  constructor(private readonly spec: IdTableSpec<T>) {}

  idOf(index: number): number {
    return this.spec.idOf(index);
  }

  get baseCount(): number {
    return this.spec.baseCount;
  }

  /** Live rows. */
  size(): number {
    return this.spec.baseCount - this.deleted.length + this.inserted.length;
  }

  /** The base index of the k-th (0-based) live base row: skip every deleted index at or below it. */
  private liveBaseIndex(k: number): number {
    let index = k;
    for (const d of this.deleted) {
      if (d <= index) index++;
      else break;
    }
    return index;
  }

  /** The k-th live row in id order (0-based). */
  at(k: number): T | undefined {
    if (k < 0) return undefined;
    const liveBase = this.spec.baseCount - this.deleted.length;
    if (k < liveBase) return this.baseRow(this.liveBaseIndex(k));
    return this.inserted[k - liveBase];
  }

  /** The row of a live base index (its mutation if it has one). */
  baseRow(index: number): T {
    return this.overrides.get(index) ?? this.spec.generate(index);
  }

  isLiveBase(index: number): boolean {
    return index >= 0 && index < this.spec.baseCount && !this.deletedSet.has(index);
  }

  isOverridden(index: number): boolean {
    return this.overrides.has(index);
  }

  /** The base row as generated, even if deleted or updated since (for embedding in other rows). */
  original(index: number): T {
    return this.spec.generate(index);
  }

  get(id: number): T | undefined {
    const index = this.spec.indexOf(id);
    if (index !== undefined) return this.isLiveBase(index) ? this.baseRow(index) : undefined;
    return this.inserted.find((row) => row.id === id);
  }

  /** The newest version of a row, deleted or not (what other rows embed). */
  lookup(id: number): T | undefined {
    const index = this.spec.indexOf(id);
    if (index !== undefined) return this.baseRow(index);
    return this.inserted.find((row) => row.id === id) ?? this.removed.get(id);
  }

  private readonly removed = new Map<number, T>();

  insert(row: T): T {
    const last = this.inserted.at(-1);
    if (last && last.id >= row.id) throw new Error(`inserted ids must grow: ${row.id} after ${last.id}`);
    this.inserted.push(row);
    return row;
  }

  /** Replaces a live row; undefined when there is no such live row. */
  replace(id: number, row: T): T | undefined {
    const index = this.spec.indexOf(id);
    if (index !== undefined) {
      if (!this.isLiveBase(index)) return undefined;
      this.overrides.set(index, row);
      return row;
    }
    const at = this.inserted.findIndex((r) => r.id === id);
    if (at < 0) return undefined;
    this.inserted[at] = row;
    return row;
  }

  delete(id: number): boolean {
    const index = this.spec.indexOf(id);
    if (index !== undefined) {
      if (!this.isLiveBase(index)) return false;
      this.removed.set(id, this.baseRow(index));
      this.overrides.delete(index);
      this.deletedSet.add(index);
      const at = sortedInsertionPoint(this.deleted, index);
      this.deleted.splice(at, 0, index);
      return true;
    }
    const at = this.inserted.findIndex((r) => r.id === id);
    if (at < 0) return false;
    this.removed.set(id, this.inserted[at]!);
    this.inserted.splice(at, 1);
    return true;
  }

  /** Every live row in id order, computed one at a time. */
  *rows(): IterableIterator<T> {
    for (let index = 0; index < this.spec.baseCount; index++) {
      if (!this.deletedSet.has(index)) yield this.baseRow(index);
    }
    yield* this.inserted;
  }

  /** Inserted live rows, ascending id. */
  insertedRows(): readonly T[] {
    return this.inserted;
  }

  /** How many rows the mutations hold (for memory assertions). */
  mutationCount(): number {
    return this.overrides.size + this.deleted.length + this.inserted.length;
  }

  reset(): void {
    this.overrides.clear();
    this.deleted = [];
    this.deletedSet.clear();
    this.inserted = [];
    this.removed.clear();
  }
}

/** The first position in an ascending array whose value is >= x. */
export function sortedInsertionPoint(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
