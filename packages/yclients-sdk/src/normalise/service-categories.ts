import type { ServiceCategory } from '../types';
import { asRow, requireId } from './row';
import { emptyToNull, toNumber } from './values';

export function normaliseServiceCategory(value: unknown): ServiceCategory {
  const raw = asRow(value, 'service category');
  return {
    id: requireId(raw, 'service category'),
    title: emptyToNull(raw.title),
    weight: toNumber(raw.weight),
    api_id: emptyToNull(raw.api_id),
    raw,
  };
}
