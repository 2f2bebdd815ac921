/**
 * A list answer normalised row by row: one bad row must not fail its page (the page would fail again
 * on every run), so a row the normaliser refuses is set aside as a `RejectedRow` and the rest merge.
 */
import { YclientsError } from '../errors';
import { strictId } from './row';
import { cutText, type Repairs, sanitiseWire } from './sanitise';
import { objectOrNull } from './values';

/** A wire row the normaliser refused, kept for a quarantine table. */
export interface RejectedRow {
  /** The row's own id when it has a valid one (a record with a zero date does), else null. */
  id: number | null;
  /** Its 0-based position in the wire list: ordinals count every row upstream sent. */
  index: number;
  /** Why, in a short sentence: entity, id and the offending date at most, never other content. */
  reason: string;
  /**
   * `JSON.stringify` of the sanitised wire row (so never U+0000; a record without `documents`), cut to
   * 100 000 characters.
   */
  row: string;
}

/** Enough to see what was wrong with a row; a row holding a huge string is not kept whole. */
export const REJECTED_ROW_MAX_CHARS = 100_000;

/**
 * Sanitises and normalises each wire row. A `YclientsError('invalid_row')` turns its row into a
 * `RejectedRow`; any other error is not about the row and still fails the whole list.
 */
export function normaliseRows<Row>(
  wire: readonly unknown[],
  normalise: (raw: unknown) => Row,
  repairs: Repairs,
): { rows: Row[]; rejected: RejectedRow[] } {
  const rows: Row[] = [];
  const rejected: RejectedRow[] = [];
  for (let index = 0; index < wire.length; index++) {
    const clean = sanitiseWire(wire[index], repairs);
    try {
      rows.push(normalise(clean));
    } catch (error) {
      if (!(error instanceof YclientsError) || error.code !== 'invalid_row') throw error;
      rejected.push({
        id: strictId(objectOrNull(clean)?.id),
        index,
        reason: error.message,
        row: cutText(JSON.stringify(clean), REJECTED_ROW_MAX_CHARS),
      });
    }
  }
  return { rows, rejected };
}
