import { describe, expect, it } from 'vitest';
import { noRepairs, sanitiseWire } from '../src';

const HIGH = '\uD83D'; // first half of 😀
const LOW = '\uDE00'; // second half of 😀

describe('sanitiseWire', () => {
  it('drops U+0000 from values and keys, counting characters', () => {
    const repairs = noRepairs();
    const out = sanitiseWire({ 'na\u0000me': 'Ан\u0000на\u0000', list: ['\u0000', 1] }, repairs);
    expect(out).toEqual({ name: 'Анна', list: ['', 1] });
    expect(repairs).toEqual({ nulDropped: 4, surrogatesReplaced: 0 });
  });

  it('replaces lone high and low surrogates with U+FFFD, in values and keys', () => {
    const repairs = noRepairs();
    const out = sanitiseWire({ [`k${LOW}`]: `a${HIGH}b`, end: `x${HIGH}`, start: `${LOW}y` }, repairs);
    expect(out).toEqual({ 'k\uFFFD': 'a\uFFFDb', end: 'x\uFFFD', start: '\uFFFDy' });
    expect(repairs).toEqual({ nulDropped: 0, surrogatesReplaced: 4 });
    // What jsonb refuses is gone: JSON.stringify escapes only lone surrogates.
    expect(JSON.stringify(out)).not.toMatch(/\\ud[89a-f]/i);
  });

  it('leaves a valid surrogate pair alone, but not two highs or a reversed pair', () => {
    const repairs = noRepairs();
    expect(sanitiseWire(`😀 ${HIGH}${LOW}`, repairs)).toBe('😀 😀');
    expect(sanitiseWire(`${HIGH}${HIGH}${LOW}`, repairs)).toBe('\uFFFD😀');
    expect(sanitiseWire(`${LOW}${HIGH}`, repairs)).toBe('\uFFFD\uFFFD');
    expect(repairs).toEqual({ nulDropped: 0, surrogatesReplaced: 3 });
  });

  it('returns a clean value as the same reference and copies only what it repairs', () => {
    const repairs = noRepairs();
    const clean = { id: 1, name: 'Анна 😀', tags: ['a', { b: null }], n: 1.5, f: false };
    expect(sanitiseWire(clean, repairs)).toBe(clean);
    const dirty = { id: 1, keep: { x: 1 }, fix: { y: 'a\u0000' } };
    const out = sanitiseWire(dirty, repairs) as typeof dirty;
    expect(out).toEqual({ id: 1, keep: { x: 1 }, fix: { y: 'a' } });
    expect(out).not.toBe(dirty);
    expect(out.keep).toBe(dirty.keep);
    expect(dirty.fix.y).toBe('a\u0000'); // the input is never changed
    expect(repairs).toEqual({ nulDropped: 1, surrogatesReplaced: 0 });
  });

  it('keeps key order and a wire key `__proto__` as a plain key', () => {
    const wire = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b\\u0000":2}');
    const out = sanitiseWire(wire, noRepairs()) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['a', '__proto__', 'b']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('passes scalars through', () => {
    for (const v of [null, 0, 1.5, true, undefined]) expect(sanitiseWire(v, noRepairs())).toBe(v);
  });
});
