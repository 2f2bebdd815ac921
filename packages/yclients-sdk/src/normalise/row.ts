import { YclientsError } from '../errors';
import type { Raw } from '../types';

/** The wire row as an object (a non-object row is a protocol error, not data). */
export function asRow(value: unknown, what: string): Raw {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new YclientsError('invalid_row', `${what}: not an object (${kindOf(value)})`);
  }
  return value as Raw;
}

/**
 * A row's own id: a whole number in 1..2^53-1, given as a JSON number or a string of digits. Anything
 * else (0, negative, fractional, `1e300`, text) is no id at all: a rounded or truncated id would merge
 * the row into another one.
 */
export function strictId(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else return null;
  // Digit strings past 2^53-1 round to 2^53 or more, which is not a safe integer either.
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/**
 * The row's id. A row without one cannot be merged anywhere, so it is refused (and quarantined by a
 * list read); the message names the entity and the value's type only (row content may hold a phone).
 */
export function requireId(row: Raw, what: string): number {
  const id = strictId(row.id);
  if (id === null) {
    throw new YclientsError(
      'invalid_row',
      `${what}: id is not a whole number in 1..2^53-1 (${idKind(row.id)})`,
    );
  }
  return id;
}

/** A number is shown (it is a would-be id); anything else only by its type. */
function idKind(value: unknown): string {
  return typeof value === 'number' ? `got ${value}` : kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
