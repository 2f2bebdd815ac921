import type { Account } from '../types';
import { asRow, requireId } from './row';
import { toBool, toInt, toText } from './values';

/** A cash desk or account; `type` 0 is cash, 1 non-cash (yclients-api.md §9.5), which gives `is_cash` when absent. */
export function normaliseAccount(value: unknown): Account {
  const raw = asRow(value, 'account');
  const type = toInt(raw.type);
  return {
    id: requireId(raw, 'account'),
    title: toText(raw.title),
    type,
    is_cash: toBool(raw.is_cash) ?? (type === 0 ? true : type === 1 ? false : null),
    comment: toText(raw.comment),
    raw,
  };
}
