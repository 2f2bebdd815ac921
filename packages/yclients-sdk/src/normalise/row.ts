import { YclientsError } from '../errors';
import type { Raw } from '../types';
import { toId } from './values';

/** The wire row as an object (a non-object row is a protocol error, not data). */
export function asRow(value: unknown, what: string): Raw {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new YclientsError(
      'invalid_row',
      `${what}: expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value as Raw;
}

/**
 * The row's id. A row without one cannot be merged anywhere, so it fails loudly instead of being
 * dropped; the message names the entity only (row content may hold a phone number).
 */
export function requireId(row: Raw, what: string): number {
  const id = toId(row.id);
  if (id === null) throw new YclientsError('invalid_row', `${what}: a row without a valid id`);
  return id;
}
