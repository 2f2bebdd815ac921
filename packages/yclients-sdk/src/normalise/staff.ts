import type { Staff } from '../types';
import { asRow, requireId } from './row';
import { objectOrNull, toBool, toDate, toId, toInt, toText } from './values';

/**
 * Staff from `/company/{id}/staff` (numbers) or the deprecated list (strings, `position: []`).
 * `deleted` prefers `is_deleted`, else `status` (1 = deleted, DOC-2026: docs/yclients-api.md §5.1); `fired` prefers `is_fired`.
 */
export function normaliseStaff(value: unknown): Staff {
  const raw = asRow(value, 'staff');
  const position = objectOrNull(raw.position);
  return {
    id: requireId(raw, 'staff'),
    name: toText(raw.name),
    specialization: toText(raw.specialization),
    position_id: toId(position?.id),
    position_title: toText(position?.title),
    fired: toBool(raw.is_fired) ?? toBool(raw.fired),
    hidden: toBool(raw.hidden),
    deleted: toBool(raw.is_deleted) ?? toBool(raw.status) ?? false,
    user_id: toId(raw.user_id),
    weight: toInt(raw.weight),
    api_id: toText(raw.api_id),
    dismissal_date: toDate(raw.dismissal_date),
    avatar: toText(raw.avatar),
    raw,
  };
}
