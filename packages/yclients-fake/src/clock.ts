/**
 * The simulator's idea of "now": what mutations stamp into `last_change_date` and what tests move to
 * control "today". Unset, it follows the system clock (so vitest fake timers control it too); once set,
 * it stays where it was put until moved again.
 */
export class Clock {
  private fixed: number | undefined;

  constructor(initial?: Date | string | number) {
    if (initial !== undefined) this.set(initial);
  }

  now(): number {
    return this.fixed ?? Date.now();
  }

  set(value: Date | string | number): void {
    this.fixed = toMs(value);
  }

  advance(ms: number): void {
    this.fixed = this.now() + ms;
  }

  /** Back to following the system clock. */
  follow(): void {
    this.fixed = undefined;
  }
}

export function toMs(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${String(value)}`);
  return ms;
}
