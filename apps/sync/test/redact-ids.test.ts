/**
 * Log lines stay JSON, and ids stay ids (issue 19): a refresh that withholds or postpones deletes logs
 * the first ids it would delete (`wouldDelete`, `pending`); records (10 digits) and transactions (11)
 * have ids shaped like phone numbers, and a masked id made the line invalid JSON (`[[phone],…]`).
 */
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../src/log/redact';

describe('ids in the lists of a refresh verdict', () => {
  const redact = makeRedactor(['secret-token']);

  for (const key of ['wouldDelete', 'pending']) {
    it(`"${key}": record and transaction ids are left alone, and the line stays JSON`, () => {
      const line = JSON.stringify({
        event: 'records 2024-01-01..2024-01-31',
        unseen: 30,
        [key]: [1000000017, 10000000123],
      });
      expect(redact(line)).toBe(line);
      expect(JSON.parse(redact(line))[key]).toEqual([1000000017, 10000000123]);
    });
  }

  it('a phone beside such a list is still masked', () => {
    expect(redact('{"pending":[1000000017],"phone":"+79161234567"}')).toBe(
      '{"pending":[1000000017],"phone":"[phone]"}',
    );
  });
});

describe('human log lines (key=value) and text spaced by hand (issue 19, surviving regex mutants)', () => {
  const redact = makeRedactor([]);

  it('ids after `key=`, `id = ` or a word with extra spaces are left alone', () => {
    for (const line of [
      'WARN records 2024-01-01..2024-01-31: withheld  unseen=30 live=100 wouldDelete=[1000000017,10000000123]',
      'WARN clients: twice  pending=[12,79161234567]',
      'ERROR entity failed  id=79161234567',
      'expected id = 79161234567',
      'no usable datetime for record  79161234567',
    ]) {
      expect(redact(line)).toBe(line);
    }
  });

  it('a phone written with spaces between its groups is masked', () => {
    expect(redact('client phone 8 916 123 45 67 is bad')).toBe('client phone [phone] is bad');
    expect(redact('call 916 123 45-67 now')).toBe('call [phone] now');
    expect(redact('call 916 123-45 67 now')).toBe('call [phone] now');
  });

  it('an Authorization header with more than one space before its token is masked', () => {
    expect(makeRedactor([])('Authorization: Bearer  zzz, User\tyyy')).toBe(
      'Authorization: Bearer ***, User ***',
    );
  });
});
