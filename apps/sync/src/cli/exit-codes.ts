/**
 * The one place where errors become exit codes (documented in the README; stable).
 */
import { InvalidDatabaseUrlError } from '@yclients-pg/sql';
import {
  ConfigError,
  CredentialsRefusedError,
  DatabaseUnreachableError,
  LockHeldError,
  PartialSyncError,
  UsageError,
} from '../errors';

export const EXIT = {
  ok: 0,
  bug: 1,
  usage: 2,
  locked: 3,
  refused: 4,
  partial: 5,
  databaseUnreachable: 6,
} as const;

export function exitCodeFor(error: unknown): number {
  if (
    error instanceof ConfigError ||
    error instanceof UsageError ||
    error instanceof InvalidDatabaseUrlError
  ) {
    return EXIT.usage;
  }
  if (error instanceof LockHeldError) return EXIT.locked;
  if (error instanceof CredentialsRefusedError) return EXIT.refused;
  if (error instanceof PartialSyncError) return EXIT.partial;
  if (error instanceof DatabaseUnreachableError) return EXIT.databaseUnreachable;
  return EXIT.bug;
}

/** Expected outcomes print their message only; a bug prints its stack so it can be reported. */
export function isExpected(error: unknown): boolean {
  return exitCodeFor(error) !== EXIT.bug;
}
