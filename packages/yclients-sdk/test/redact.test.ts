import { describe, expect, it } from 'vitest';
import { redactAuthorization, redactSecrets } from '../src/redact';

describe('redaction', () => {
  it('hides both tokens of an Authorization header', () => {
    expect(redactAuthorization('Bearer abc123, User u-987')).toBe('Bearer ***, User ***');
    expect(redactAuthorization('Bearer abc123,User u-987')).toBe('Bearer ***,User ***');
  });

  it('hides secret fields at any depth and leaves the rest', () => {
    expect(redactSecrets({ login: 'a@b.c', password: 'p', data: [{ user_token: 't', id: 1 }] })).toEqual({
      login: 'a@b.c',
      password: '***',
      data: [{ user_token: '***', id: 1 }],
    });
  });
});
