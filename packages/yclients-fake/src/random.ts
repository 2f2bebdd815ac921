/**
 * A small seeded PRNG (mulberry32): the simulator's data must be the same for the same seed on every
 * machine, and generating a row must not depend on having generated the rows before it.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator for row `index` of a stream named `stream`: row-addressable, so data can be lazy. */
export function rowRandom(seed: number, stream: string, index: number): () => number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  return seededRandom((h ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}
