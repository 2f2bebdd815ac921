/** Small helpers over a `() => number` stream of uniform draws. */
export type Rng = () => number;

export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** Picks by weight: `[[value, weight], …]`. */
export function weighted<T>(rng: Rng, options: readonly (readonly [T, number])[]): T {
  const sum = options.reduce((s, [, w]) => s + w, 0);
  let r = rng() * sum;
  for (const [value, w] of options) {
    r -= w;
    if (r < 0) return value;
  }
  return options.at(-1)![0];
}

/**
 * The next double above x: a value such as 33.710000000000008 that a naive parser keeps with its binary
 * noise, the way YClients' PHP serialiser emits `33.710000000000001`.
 */
export function withFloatNoise(x: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  buf.setBigUint64(0, buf.getBigUint64(0) + 1n);
  return buf.getFloat64(0);
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
