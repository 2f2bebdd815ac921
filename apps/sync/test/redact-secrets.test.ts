/**
 * Secrets that overlap, and secrets too short to mask (issue 19, surviving mutants of log/redact.ts):
 * the longest secret is masked first, so a secret that contains another never leaks in part; a secret
 * of three characters is masked, shorter ones are not (they would mask every word that holds them).
 */
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../src/log/redact';

describe('secrets that contain one another', () => {
  for (const secrets of [
    ['tok', 'my-tok-secret'],
    ['my-tok-secret', 'tok'],
  ]) {
    it(`are masked whole, whichever comes first (${secrets.join(', ')})`, () => {
      const redact = makeRedactor(secrets);
      expect(redact('token my-tok-secret, then tok')).toBe('***en ***, then ***');
    });
  }
});

describe('short secrets', () => {
  it('three characters are masked', () => {
    expect(makeRedactor(['pw1'])('login failed for pw1')).toBe('login failed for ***');
  });

  it('one or two characters are not: they would mask every word holding them', () => {
    const redact = makeRedactor(['ab', 'x']);
    expect(redact('about a tab, x-ray')).toBe('about a tab, x-ray');
  });
});
