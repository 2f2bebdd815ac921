import type { Service, ServiceStaff } from '../types';
import { asRow, requireId } from './row';
import { arrayOf, objectOrNull, toBool, toId, toInt, toNumber, toText } from './values';

/** A service with the staff who perform it (`staff[]`: staff id, their own duration and price). */
export function normaliseService(value: unknown): Service {
  const raw = asRow(value, 'service');
  return {
    id: requireId(raw, 'service'),
    category_id: toId(raw.category_id),
    title: toText(raw.title),
    price_min: toNumber(raw.price_min),
    price_max: toNumber(raw.price_max),
    duration_seconds: toInt(raw.duration),
    active: toBool(raw.active),
    weight: toInt(raw.weight),
    comment: toText(raw.comment),
    api_id: toText(raw.api_id),
    staff: arrayOf(raw.staff).flatMap((item): ServiceStaff[] => {
      const link = objectOrNull(item);
      const staffId = toId(link?.id ?? link?.staff_id);
      if (!link || staffId === null) return [];
      return [
        { staff_id: staffId, seance_length_seconds: toInt(link.seance_length), price: toNumber(link.price) },
      ];
    }),
    raw,
  };
}
