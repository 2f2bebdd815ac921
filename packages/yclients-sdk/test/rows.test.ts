import { describe, expect, it } from 'vitest';
import {
  noRepairs,
  normaliseAccount,
  normaliseClient,
  normaliseRecord,
  normaliseTransaction,
  YclientsError,
} from '../src';
import { normaliseRows, REJECTED_ROW_MAX_CHARS } from '../src/normalise/rows';

const MSK = { companyTimeZone: 'Europe/Moscow', serverOffset: '+04:00' };
const record = (raw: unknown) => normaliseRecord(raw, MSK);
const at = '2024-05-01T10:00:00+03:00';

describe('normaliseRows quarantines bad rows and keeps the rest of the page', () => {
  it.each<[string, unknown, number | null, string]>([
    ['a null row', null, null, 'record: not an object (null)'],
    ['an array row', [1, 2], null, 'record: not an object (an array)'],
    ['a number row', 7, null, 'record: not an object (a number)'],
    ['id 0', { id: 0, datetime: at }, null, 'record: id is not a whole number in 1..2^53-1 (got 0)'],
    ['id -5', { id: -5, datetime: at }, null, 'record: id is not a whole number in 1..2^53-1 (got -5)'],
    [
      'id "abc"',
      { id: 'abc', datetime: at },
      null,
      'record: id is not a whole number in 1..2^53-1 (a string)',
    ],
    ['a missing id', { datetime: at }, null, 'record: id is not a whole number in 1..2^53-1 (missing)'],
    ['id 1.5', { id: 1.5, datetime: at }, null, 'record: id is not a whole number in 1..2^53-1 (got 1.5)'],
    [
      'id 2^53',
      { id: 2 ** 53, datetime: at },
      null,
      'record: id is not a whole number in 1..2^53-1 (got 9007199254740992)',
    ],
    [
      'a zero datetime',
      { id: 42, datetime: '0000-00-00 00:00:00' },
      42,
      'record 42: no usable datetime ("0000-00-00 00:00:00")',
    ],
    [
      'an empty datetime and date',
      { id: 43, datetime: '', date: '' },
      43,
      'record 43: no usable datetime ("")',
    ],
    ['no datetime at all', { id: '44' }, 44, 'record 44: no usable datetime (missing)'],
    ['a datetime past Date', { id: 45, datetime: 1e300 }, 45, 'record 45: no usable datetime (1e+300)'],
  ])('%s', (_name, poison, id, reason) => {
    const good = [
      { id: 1, datetime: at },
      { id: 2, datetime: at },
    ];
    const { rows, rejected } = normaliseRows([good[0], poison, good[1]], record, noRepairs());
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
    expect(rejected).toEqual([{ id, index: 1, reason, row: JSON.stringify(poison) }]);
  });

  it('a rejected row and every kept raw are sanitised: no U+0000 survives', () => {
    const repairs = noRepairs();
    const { rows, rejected } = normaliseRows(
      [
        { id: 0, comment: 'a\u0000b', 'k\u0000': '\uD800' },
        { id: 1, datetime: at, comment: 'c\u0000' },
      ],
      record,
      repairs,
    );
    expect(rejected).toEqual([
      {
        id: null,
        index: 0,
        reason: 'record: id is not a whole number in 1..2^53-1 (got 0)',
        row: '{"id":0,"comment":"ab","k":"\uFFFD"}',
      },
    ]);
    expect(rejected[0]!.row).not.toContain('\u0000');
    expect(rejected[0]!.row).not.toContain('\\u0000');
    expect(rows[0]!.comment).toBe('c');
    expect(rows[0]!.raw).toEqual({ id: 1, datetime: at, comment: 'c' });
    expect(repairs).toEqual({ nulDropped: 3, surrogatesReplaced: 1 });
  });

  it('a rejected row names no content in its reason, and its text is cut to 100 000 characters', () => {
    const phone = '+79161234567';
    const huge = { id: 'x', phone, note: '😀'.repeat(REJECTED_ROW_MAX_CHARS) };
    const [rejected] = normaliseRows([huge], normaliseClient, noRepairs()).rejected;
    expect(rejected!.reason).toBe('client: id is not a whole number in 1..2^53-1 (a string)');
    expect(rejected!.row.length).toBeLessThanOrEqual(REJECTED_ROW_MAX_CHARS);
    expect(rejected!.row.length).toBeGreaterThan(REJECTED_ROW_MAX_CHARS - 2);
    // The cut never leaves half a surrogate pair behind.
    // (JSON.stringify escapes a lone surrogate, and only a lone one.)
    expect(JSON.stringify(rejected!.row)).not.toMatch(/\\ud[89a-f]/i);
  });

  it('transactions: rows without a valid id are rejected; a missing date is data, not an error', () => {
    const { rows, rejected } = normaliseRows(
      [{ id: '0', amount: 5 }, { id: 1, amount: 5 }, { amount: 5 }],
      (raw) => normaliseTransaction(raw, MSK),
      noRepairs(),
    );
    expect(rows).toMatchObject([{ id: 1, date: null, amount: 5 }]);
    expect(rejected.map((r) => r.index)).toEqual([0, 2]);
    expect(rejected.map((r) => r.reason)).toEqual([
      'transaction: id is not a whole number in 1..2^53-1 (a string)',
      'transaction: id is not a whole number in 1..2^53-1 (missing)',
    ]);
  });

  it('an error other than invalid_row still fails the page', () => {
    const boom = () => {
      throw new Error('bug');
    };
    expect(() => normaliseRows([{ id: 1 }], boom, noRepairs())).toThrow('bug');
    const other = () => {
      throw new YclientsError('page_repeated', 'not about a row');
    };
    expect(() => normaliseRows([{ id: 1 }], other, noRepairs())).toThrow('not about a row');
  });

  it('a naive record date without the company zone is rejected with the reason', () => {
    const { rejected } = normaliseRows(
      [{ id: 4, date: '2024-05-01 10:00:00' }],
      normaliseRecord,
      noRepairs(),
    );
    expect(rejected[0]!.reason).toBe(
      'record 4: no usable datetime ("2024-05-01 10:00:00" is naive and no companyTimeZone was given)',
    );
  });

  it('a long date in a reason is cut, never through a surrogate pair', () => {
    const datetime = `${'x'.repeat(39)}😀 and much more`;
    const { rejected } = normaliseRows([{ id: 5, datetime }], record, noRepairs());
    expect(rejected[0]!.reason).toBe(`record 5: no usable datetime ("${'x'.repeat(39)}…")`);
  });

  it('works for any normaliser', () => {
    const { rows, rejected } = normaliseRows([{ id: 1 }, { id: '' }], normaliseAccount, noRepairs());
    expect(rows).toHaveLength(1);
    expect(rejected[0]!.id).toBeNull();
  });
});
