import type { ClientLabel } from '../types';
import { asRow, requireId } from './row';
import { emptyToNull, toBool, toColor } from './values';

/** A client label (category) from `/labels/{company}/1`; deleted labels are kept, flagged. */
export function normaliseClientLabel(value: unknown): ClientLabel {
  const raw = asRow(value, 'client label');
  return {
    id: requireId(raw, 'client label'),
    title: emptyToNull(raw.title),
    color: toColor(raw.color),
    deleted: toBool(raw.deleted) ?? false,
    raw,
  };
}
