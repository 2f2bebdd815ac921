/**
 * Which database failures mean the session is gone (engine/database.ts): those end the run with exit 6
 * (design §9, "Exit codes in mixed cases"), never 1. The chaos runs restart PostgreSQL mid-run
 * (test/chaos); these are the shapes of error such a restart produced.
 */
import { describe, expect, it } from 'vitest';
import { isUnreachable } from '../src/engine/database';

describe('isUnreachable', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'the server shutting down (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    // a page sent to a server that had just gone: chaos seed 105 exited 1 on it
    ['a write to a closed socket', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    // pg's own refusal after the connection failed: seed 7 of the chaos runs exited 1 on it
    [
      'a client whose connection already failed',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a closed client', new Error('Client was closed and is not queryable')],
    // a refused login or a missing database: the run cannot reach its data either (exit 6, not 1)
    [
      'a refused password (28P01)',
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
    ],
    ['a refused authorization (28000)', Object.assign(new Error('no pg_hba.conf entry'), { code: '28000' })],
    ['no such database (3D000)', Object.assign(new Error('database "x" does not exist'), { code: '3D000' })],
    ['a connection exception (class 08)', Object.assign(new Error('protocol violation'), { code: '08P01' })],
    ['a crash of the server (57P02)', Object.assign(new Error('crash shutdown'), { code: '57P02' })],
    [
      'any of these as the cause',
      new Error('merge failed', { cause: new Error('Connection terminated unexpectedly') }),
    ],
  ])('%s', (_name, error) => {
    expect(isUnreachable(error)).toBe(true);
  });

  it.each([
    [
      'a failed statement',
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    ],
    [
      'a statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    // a data exception whose code ends like a connection exception's class
    [
      'a datetime overflow (22008)',
      Object.assign(new Error('date/time field value out of range'), { code: '22008' }),
    ],
    ['no error', undefined],
  ])('not %s', (_name, error) => {
    expect(isUnreachable(error)).toBe(false);
  });
});
