import type { Client, ClientCategoryRef } from '../types';
import { asRow, requireId } from './row';
import {
  arrayOf,
  isNaive,
  type NormaliseOptions,
  normalisePhone,
  objectOrNull,
  toBool,
  toColor,
  toDate,
  toId,
  toInt,
  toNumber,
  toText,
  toTimestamp,
} from './values';

/**
 * A client from the deprecated list, a client card or a search row (which carries only the fields
 * it was asked for; the rest are null). `spent` falls back to search's `sold_amount`, `visits` to
 * `visits_count`, `balance` to `deposit_balance`.
 */
export function normaliseClient(value: unknown, options: NormaliseOptions = {}): Client {
  const raw = asRow(value, 'client');
  return {
    id: requireId(raw, 'client'),
    name: toText(raw.name),
    surname: toText(raw.surname),
    patronymic: toText(raw.patronymic),
    phone: normalisePhone(raw.phone),
    email: toText(raw.email),
    card: toText(raw.card),
    birth_date: toDate(raw.birth_date),
    comment: toText(raw.comment),
    discount: toNumber(raw.discount),
    sex_id: toInt(raw.sex_id),
    sex: toText(raw.sex),
    sms_check: toBool(raw.sms_check),
    sms_bot: toBool(raw.sms_bot),
    sms_not: toBool(raw.sms_not),
    balance: toNumber(raw.balance ?? raw.deposit_balance),
    importance_id: toInt(raw.importance_id),
    importance: toText(raw.importance),
    spent: toNumber(raw.spent ?? raw.sold_amount),
    visits: toInt(raw.visits ?? raw.visits_count),
    last_change_date: toTimestamp(raw.last_change_date, options.companyTimeZone),
    custom_fields: objectOrNull(raw.custom_fields) ?? {},
    categories: arrayOf(raw.categories).flatMap((item): ClientCategoryRef[] => {
      const c = objectOrNull(item);
      const id = toId(c?.id);
      return c && id !== null ? [{ id, title: toText(c.title), color: toColor(c.color) }] : [];
    }),
    raw,
  };
}

/** True when the row's `last_change_date` is naive: only the company's zone would place it. */
export function clientNeedsZone(value: unknown): boolean {
  return isNaive(objectOrNull(value)?.last_change_date);
}
