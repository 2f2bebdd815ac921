import type { ServiceCategory } from '../types';
import { asRow, requireId } from './row';
import { toInt, toText } from './values';

export function normaliseServiceCategory(value: unknown): ServiceCategory {
  const raw = asRow(value, 'service category');
  return {
    id: requireId(raw, 'service category'),
    title: toText(raw.title),
    weight: toInt(raw.weight),
    api_id: toText(raw.api_id),
    raw,
  };
}
