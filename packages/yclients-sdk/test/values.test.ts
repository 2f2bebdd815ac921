/**
 * The wire quirks of docs/yclients-api.md §11 (the `§` numbers below are its items) and the phone rule of
 * docs/design.md §9.
 */
import { describe, expect, it } from 'vitest';
import { strictId } from '../src/normalise/row';
import {
  normalisePhone,
  objectOrNull,
  toBool,
  toColor,
  toDate,
  toId,
  toInt,
  toNumber,
  toText,
  toTimestamp,
} from '../src/normalise/values';

describe('numbers (§11.2, §11.7)', () => {
  it('reads numbers sent as strings, and float noise stays a number', () => {
    expect(toNumber('1000.00')).toBe(1000);
    expect(toNumber(' 42 ')).toBe(42);
    expect(toNumber(33.710000000000001)).toBe(33.71);
    expect(toNumber('4,5')).toBe(4.5);
    expect(toInt('2700')).toBe(2700);
    expect(toInt(3600.9)).toBe(3600);
  });
  it('maps empties to null', () => {
    for (const v of ['', 'null', null, undefined, [], {}, 'abc', Number.NaN]) expect(toNumber(v)).toBeNull();
  });
  it('ids: 0 and "" mean none', () => {
    expect(toId('17969')).toBe(17969);
    expect(toId(0)).toBeNull();
    expect(toId('0')).toBeNull();
    expect(toId('')).toBeNull();
  });
});

const MAX = Number.MAX_SAFE_INTEGER;

describe('ids: whole numbers in 1..2^53-1, never truncated or rounded', () => {
  // value, a row's own id (strictId), a reference (toId: lenient about spelling, same range)
  it.each<[string, unknown, number | null, number | null]>([
    ['a number', 42, 42, 42],
    ['a string of digits', '17969', 17969, 17969],
    ['digits with spaces', ' 7 ', 7, 7],
    ['the largest safe integer', MAX, MAX, MAX],
    ['it as digits', String(MAX), MAX, MAX],
    ['2^53', 2 ** 53, null, null],
    ['2^53 as digits', '9007199254740992', null, null],
    ['2^53+1 as digits (rounds to 2^53)', '9007199254740993', null, null],
    ['0', 0, null, null],
    ['"0"', '0', null, null],
    ['-5', -5, null, null],
    ['"-5"', '-5', null, null],
    ['1.5', 1.5, null, null],
    ['"1.5"', '1.5', null, null],
    ['1e300', 1e300, null, null],
    ['"abc"', 'abc', null, null],
    ['""', '', null, null],
    ['[]', [], null, null],
    ['{}', {}, null, null],
    ['null', null, null, null],
    ['missing', undefined, null, null],
    ['true', true, null, null],
    ['NaN', Number.NaN, null, null],
    ['"7.0" (a reference may spell a whole number so)', '7.0', null, 7],
  ])('%s', (_name, value, own, reference) => {
    expect(strictId(value)).toBe(own);
    expect(toId(value)).toBe(reference);
  });
});

describe('flags (§11.4)', () => {
  it('reads 0/1, booleans and string spellings', () => {
    expect([toBool(1), toBool(0), toBool('1'), toBool('0')]).toEqual([true, false, true, false]);
    expect([toBool(true), toBool('true'), toBool('false'), toBool('null'), toBool(null), toBool(2)]).toEqual([
      true,
      true,
      false,
      null,
      null,
      null,
    ]);
  });
});

describe('text and objects (§11.1)', () => {
  it('free text as sent; null, [] and {} are no value', () => {
    // free text is stored as sent: only JSON null, a missing key and [] / {} are "no value"
    for (const text of ['', '  ', 'null', 'NULL', 'undefined', ' Анна ']) expect(toText(text)).toBe(text);
    expect(toText(null)).toBeNull();
    expect(toText(undefined)).toBeNull();
    expect(toText([])).toBeNull();
    expect(toText({})).toBeNull();
    expect(toText(79161234567)).toBe('79161234567');
    expect(objectOrNull([])).toBeNull();
    expect(objectOrNull({})).toBeNull();
    expect(objectOrNull({ id: 1 })).toEqual({ id: 1 });
  });
  it('colours get their #', () => {
    expect(toColor('dfd4f2')).toBe('#dfd4f2');
    expect(toColor('#ffffff')).toBe('#ffffff');
    expect(toColor('')).toBeNull();
  });
});

describe('dates (§11.6)', () => {
  it('unknown birth dates are null', () => {
    for (const v of ['', 0, '0', '0000-00-00', '1970-01-01', null, '2023-02-30'])
      expect(toDate(v)).toBeNull();
  });
  it('keeps real dates and cuts times off', () => {
    expect(toDate('1990-05-17')).toBe('1990-05-17');
    expect(toDate('2024-01-02 10:00:00')).toBe('2024-01-02');
  });
});

describe('timestamps (§11.5)', () => {
  it('offset with colon, without colon, Z and millis', () => {
    expect(toTimestamp('2019-01-16T16:00:00+09:00')).toBe('2019-01-16T16:00:00+09:00');
    expect(toTimestamp('2019-01-16T20:35:11+0900')).toBe('2019-01-16T20:35:11+09:00');
    expect(toTimestamp('2016-04-13T15:34:31+0400')).toBe('2016-04-13T15:34:31+04:00');
    expect(toTimestamp('2014-09-21T23:00:00.000+03:00')).toBe('2014-09-21T23:00:00+03:00');
    expect(toTimestamp('2014-09-21T23:00:00.250+03:00')).toBe('2014-09-21T23:00:00.250+03:00');
    expect(toTimestamp('2024-05-01T07:00:00Z')).toBe('2024-05-01T07:00:00+00:00');
    expect(toTimestamp('2024-05-01T07:00:00-0530')).toBe('2024-05-01T07:00:00-05:30');
  });
  it('naive values are read in the zone given: an offset or an IANA zone', () => {
    expect(toTimestamp('2019-01-16 16:00:00', '+04:00')).toBe('2019-01-16T16:00:00+04:00');
    expect(toTimestamp('2019-01-16 16:00:00', 'Europe/Moscow')).toBe('2019-01-16T16:00:00+03:00');
    expect(toTimestamp('2024-07-01 12:00:00', 'Europe/Belgrade')).toBe('2024-07-01T12:00:00+02:00');
    expect(toTimestamp('2024-01-15 12:00:00', 'Europe/Belgrade')).toBe('2024-01-15T12:00:00+01:00');
    expect(toTimestamp('2024-01-15 12:00:00', 'Asia/Kolkata')).toBe('2024-01-15T12:00:00+05:30');
  });
  it('the same instant comes out whatever the input spelling', () => {
    const a = toTimestamp('2024-05-01T10:00:00+03:00')!;
    const b = toTimestamp('2024-05-01 10:00:00', 'Europe/Moscow')!;
    const c = toTimestamp('2024-05-01T11:00:00+0400')!;
    expect(new Date(a).getTime()).toBe(new Date(b).getTime());
    expect(new Date(a).getTime()).toBe(new Date(c).getTime());
  });
  it('null for naive without a zone, zero dates and garbage', () => {
    expect(toTimestamp('2019-01-16 16:00:00')).toBeNull();
    expect(toTimestamp('0000-00-00 00:00:00', '+04:00')).toBeNull();
    expect(toTimestamp('')).toBeNull();
    expect(toTimestamp('soon')).toBeNull();
    expect(toTimestamp([])).toBeNull();
  });
  it('unix seconds', () => {
    expect(toTimestamp(1700000000)).toBe('2023-11-14T22:13:20+00:00');
  });
});

describe('phones (§11.3, design.md §9)', () => {
  it.each([
    ['+79161234567', '+79161234567'],
    ['79161234567', '+79161234567'],
    [79161234567, '+79161234567'],
    ['89161234567', '+79161234567'],
    ['9161234567', '+79161234567'],
    ['+7 (916) 123-45-67', '+79161234567'],
    ['8 916 123 45 67', '+79161234567'],
    ['+375291234567', '+375291234567'],
    ['380501234567', '+380501234567'],
    ['12345', '12345'],
    ['+7 *** ***-45-67', '+7 *** ***-45-67'],
    ['call me', 'call me'],
  ])('%s → %s', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });
  it('empty is null', () => {
    expect(normalisePhone('')).toBeNull();
    expect(normalisePhone(null)).toBeNull();
  });
});
