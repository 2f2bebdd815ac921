/**
 * The one mapping from errors to exit codes (README "Exit codes"), each class on its own (issue 19: the
 * end-to-end tests see a code only through whole runs, where an unexpected error never happens).
 */
import { InvalidDatabaseUrlError } from '@yclients-pg/sql';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, isExpected } from '../src/cli/exit-codes';
import {
  ConfigError,
  CredentialsRefusedError,
  DatabaseUnreachableError,
  DeletesWithheldError,
  IncompleteReadError,
  LockHeldError,
  PartialSyncError,
  UsageError,
} from '../src/errors';

describe('exit codes', () => {
  const cases: Array<[string, unknown, number]> = [
    ['bad configuration', new ConfigError([{ variable: 'X', message: 'bad' }]), 2],
    ['bad usage', new UsageError('--nope'), 2],
    ['a malformed DATABASE_URL', new InvalidDatabaseUrlError('bad url'), 2],
    ['another sync holds the lock', new LockHeldError([101]), 3],
    ['credentials refused', new CredentialsRefusedError('401'), 4],
    ['a partial run', new PartialSyncError([{ companyId: 101, entity: 'records', error: 'x' }]), 5],
    ['the database unreachable', new DatabaseUnreachableError('no answer'), 6],
    // errors that must reach the top only inside a partial run: alone they are a bug
    ['an incomplete read, alone', new IncompleteReadError('x'), 1],
    ['withheld deletes, alone', new DeletesWithheldError([]), 1],
    ['an unexpected error', new TypeError('x is undefined'), 1],
    ['something thrown that is no error', 'boom', 1],
  ];
  for (const [what, error, code] of cases) {
    it(`${what}: ${code}`, () => {
      expect(exitCodeFor(error)).toBe(code);
      // the message alone for what is expected, the stack for a bug
      expect(isExpected(error)).toBe(code !== EXIT.bug);
    });
  }

  it('are the documented numbers', () => {
    expect(EXIT).toEqual({
      ok: 0,
      bug: 1,
      usage: 2,
      locked: 3,
      refused: 4,
      partial: 5,
      databaseUnreachable: 6,
    });
  });
});
