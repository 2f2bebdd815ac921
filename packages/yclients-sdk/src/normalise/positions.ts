import type { Position } from '../types';
import { asRow, requireId } from './row';
import { toText } from './values';

export function normalisePosition(value: unknown): Position {
  const raw = asRow(value, 'position');
  return { id: requireId(raw, 'position'), title: toText(raw.title), raw };
}
