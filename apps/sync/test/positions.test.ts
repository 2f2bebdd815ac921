import { describe, expect, it } from 'vitest';
import { lastGroupStart, pageAt } from '../src/entities/positions';

describe('reading by position', () => {
  it('finds the request whose page starts at, or reaches furthest past, a position', () => {
    expect(pageAt(1)).toEqual({ page: 1, count: 1000, start: 1 });
    expect(pageAt(1001)).toEqual({ page: 2, count: 1000, start: 1001 });
    // 990 = 1 + 989: page 2 of 989 starts exactly there
    expect(pageAt(990)).toEqual({ page: 2, count: 989, start: 990 });
    for (const position of [2, 17, 500, 999, 1002, 1999, 7919, 19_999, 123_457]) {
      const { page, count, start } = pageAt(position);
      expect(start).toBe((page - 1) * count + 1);
      expect(start).toBeLessThanOrEqual(position);
      expect(count).toBeLessThanOrEqual(1000);
      // far into the list, fewer rows before the position are read again than pages lie before it
      const fresh = start + count - position;
      if (position > 1000) expect(fresh).toBeGreaterThanOrEqual(999 - 2 * Math.ceil(position / 1000));
      else expect(fresh).toBe(Math.max(1001 - position, position - 1));
    }
  });

  it('a server that pages by one row: the page is the position (issue 19, a surviving mutant)', () => {
    for (const position of [1, 2, 5, 1000]) {
      expect(pageAt(position, 1)).toEqual({ page: position, count: 1, start: position });
    }
    // and every page size the server may have clamped to holds the position asked for
    for (const max of [1, 2, 37, 300, 999]) {
      for (const position of [1, 2, max, max + 1, 3 * max + 2]) {
        const { page, count, start } = pageAt(position, max);
        expect(start).toBe((page - 1) * count + 1);
        expect(start).toBeLessThanOrEqual(position);
        expect(start + count).toBeGreaterThan(position);
        expect(count).toBeLessThanOrEqual(max);
      }
    }
  });

  it('keeps whole groups of rows that share a time; a rejected row goes with the row before it', () => {
    expect(lastGroupStart([5, 5, 4, 4, 4, 3])).toBe(5);
    expect(lastGroupStart([5, 5, 4, 4, 4])).toBe(2);
    expect(lastGroupStart([5, null, 4, null])).toBe(2);
    expect(lastGroupStart([7, 7, 7])).toBe(0); // one group: it may be longer than the page
    // a rejected row first goes with the group after it: still one group (issue 19, a surviving mutant)
    expect(lastGroupStart([null, 7, 7])).toBe(0);
    expect(lastGroupStart([null, 7, 6])).toBe(2);
    expect(lastGroupStart([])).toBe(0);
  });
});
