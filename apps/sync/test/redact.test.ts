import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../src/log/redact';

describe('output redaction', () => {
  const redact = makeRedactor(['partner-abc', 'user-xyz', 'pw']);

  it('masks known secrets, auth headers and database passwords', () => {
    expect(redact('auth failed for partner-abc / user-xyz')).toBe('auth failed for *** / ***');
    expect(redact('Authorization: Bearer zzz, User yyy')).toBe('Authorization: Bearer ***, User ***');
    expect(redact('cannot reach postgres://app:secret@db:5432/x')).toBe(
      'cannot reach postgres://app:***@db:5432/x',
    );
  });

  it('masks a secret in its JSON-escaped and URL-encoded forms too', () => {
    const tricky = makeRedactor(['pa"ss\\word', 'to ken/+']);
    expect(tricky(JSON.stringify({ password: 'pa"ss\\word' }))).toBe('{"password":"***"}');
    expect(tricky(`https://x/?t=${encodeURIComponent('to ken/+')}`)).toBe('https://x/?t=***');
  });

  it('masks phone numbers in every format the API uses', () => {
    for (const phone of ['+79161234567', '89161234567', '79161234567', '+7 (916) 123-45-67', '9161234567']) {
      expect(redact(`client phone ${phone} is bad`)).toBe('client phone [phone] is bad');
    }
  });

  it('leaves ids alone, however many digits they have, but not a phone beside them', () => {
    const line =
      '{"id":79161234567,"expectedId":89161234567,"ids":[1,9161234567],"foundId":null,"last_id":89161234567,"company_id":9161234567}';
    expect(redact(line)).toBe(line);
    expect(redact('record 79161234567: no usable datetime')).toBe('record 79161234567: no usable datetime');
    expect(redact('{"id":12,"phone":"+79161234567"}')).toBe('{"id":12,"phone":"[phone]"}');
  });

  it('leaves ids, counts and timestamps alone', () => {
    const line =
      '{"runId":12,"rows":300,"companyId":101,"time":"2026-11-23T10:00:00.000Z","durationMs":1234}';
    expect(redact(line)).toBe(line);
  });
});
