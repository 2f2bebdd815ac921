import type { Transaction } from '../types';
import { asRow, requireId } from './row';
import {
  DEFAULT_SERVER_OFFSET,
  type NormaliseOptions,
  normalisePhone,
  objectOrNull,
  toBool,
  toId,
  toInt,
  toNumber,
  toText,
  toTimestamp,
} from './values';

/**
 * A financial transaction from `/transactions/{id}`. Finance timestamps are YClients server time
 * (`+0400`), not company time (yclients-open-questions Q7), so a naive `date` is read at
 * `serverOffset`. Unlinked `record_id`/`visit_id`/`sold_item_id` arrive as 0 and become null; empty
 * `master`/`supplier`/`client` arrive as `[]` and become null. `master` is `{id,title}` in lists and
 * `{id,name}` on single reads.
 */
export function normaliseTransaction(value: unknown, options: NormaliseOptions = {}): Transaction {
  const raw = asRow(value, 'transaction');
  const zone = options.serverOffset ?? DEFAULT_SERVER_OFFSET;
  const expense = objectOrNull(raw.expense);
  const account = objectOrNull(raw.account);
  const client = objectOrNull(raw.client);
  return {
    id: requireId(raw, 'transaction'),
    date: toTimestamp(raw.date, zone),
    amount: toNumber(raw.amount),
    comment: toText(raw.comment),
    document_id: toId(raw.document_id),
    last_change_date: toTimestamp(raw.last_change_date, zone),
    record_id: toId(raw.record_id),
    visit_id: toId(raw.visit_id),
    sold_item_id: toId(raw.sold_item_id),
    sold_item_type: toText(raw.sold_item_type),
    expense: withId(expense, (e, id) => ({ id, title: toText(e.title), type: toInt(e.type) })),
    account: withId(account, (a, id) => ({ id, title: toText(a.title), is_cash: toBool(a.is_cash) })),
    client: withId(client, (c, id) => ({ id, name: toText(c.name), phone: normalisePhone(c.phone) })),
    master: party(raw.master),
    supplier: party(raw.supplier),
    raw,
  };
}

function party(value: unknown): { id: number; title: string | null } | null {
  return withId(objectOrNull(value), (p, id) => ({ id, title: toText(p.title) ?? toText(p.name) }));
}

function withId<T>(
  obj: Record<string, unknown> | null,
  build: (o: Record<string, unknown>, id: number) => T,
): T | null {
  const id = toId(obj?.id);
  return obj && id !== null ? build(obj, id) : null;
}
