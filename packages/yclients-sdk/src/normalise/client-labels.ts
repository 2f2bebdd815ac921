import type { ClientLabel } from '../types';
import { asRow, requireId } from './row';
import { toBool, toColor, toText } from './values';

/** A client label (category) from `/labels/{company}/1`; deleted labels are kept, flagged. */
export function normaliseClientLabel(value: unknown): ClientLabel {
  const raw = asRow(value, 'client label');
  return {
    id: requireId(raw, 'client label'),
    title: toText(raw.title),
    color: toColor(raw.color),
    deleted: toBool(raw.deleted) ?? false,
    raw,
  };
}
