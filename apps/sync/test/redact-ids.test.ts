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
