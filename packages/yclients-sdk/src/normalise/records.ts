import { YclientsError } from '../errors';
import type { RecordClientRef, RecordServiceLine, RecordStaffRef, YcRecord } from '../types';
import { asRow, requireId } from './row';
import {
  arrayOf,
  emptyToNull,
  type NormaliseOptions,
  normalisePhone,
  objectOrNull,
  toBool,
  toId,
  toInt,
  toNumber,
  toTimestamp,
} from './values';

/**
 * A record (visit). `datetime` carries the company offset; when it is missing the naive `date` is
 * read in the company zone. `raw` drops `documents`, which the specification says not to store.
 */
export function normaliseRecord(value: unknown, options: NormaliseOptions = {}): YcRecord {
  const wire = asRow(value, 'record');
  const { documents: _documents, ...raw } = wire;
  const id = requireId(raw, 'record');
  const zone = options.companyTimeZone;
  const datetime = toTimestamp(raw.datetime, zone) ?? toTimestamp(raw.date, zone);
  if (datetime === null) {
    throw new YclientsError(
      'invalid_row',
      `record ${id}: no usable datetime (a naive date needs companyTimeZone)`,
    );
  }
  const staff = staffRef(raw.staff);
  const client = clientRef(raw.client);
  return {
    id,
    datetime,
    create_date: toTimestamp(raw.create_date, zone),
    last_change_date: toTimestamp(raw.last_change_date, zone),
    seance_length_seconds: toInt(raw.seance_length ?? raw.length),
    attendance: toInt(raw.attendance),
    visit_attendance: toInt(raw.visit_attendance),
    confirmed: toBool(raw.confirmed),
    paid_full: toBool(raw.paid_full),
    payment_status: paymentStatus(raw.payment_status),
    online: toBool(raw.online),
    comment: emptyToNull(raw.comment),
    deleted: toBool(raw.deleted) ?? false,
    visit_id: toId(raw.visit_id),
    staff_id: toId(raw.staff_id) ?? staff?.id ?? null,
    staff,
    client_id: toId(raw.client_id) ?? client?.id ?? null,
    client,
    services: arrayOf(raw.services).flatMap((item): RecordServiceLine[] => {
      const s = objectOrNull(item);
      const serviceId = toId(s?.id);
      if (!s || serviceId === null) return [];
      return [
        {
          id: serviceId,
          title: emptyToNull(s.title),
          cost: toNumber(s.cost),
          first_cost: toNumber(s.first_cost),
          discount: toNumber(s.discount),
          amount: toNumber(s.amount),
          cost_per_unit: toNumber(s.cost_per_unit),
          manual_cost: toNumber(s.manual_cost),
        },
      ];
    }),
    raw,
  };
}

/** True when the row's visit time cannot be placed without the company zone. */
export function recordNeedsZone(value: unknown): boolean {
  const row = objectOrNull(value);
  return !!row && toTimestamp(row.datetime) === null;
}

function staffRef(value: unknown): RecordStaffRef | null {
  const s = objectOrNull(value);
  const id = toId(s?.id);
  if (!s || id === null) return null;
  const position = objectOrNull(s.position);
  return {
    id,
    name: emptyToNull(s.name),
    specialization: emptyToNull(s.specialization),
    position_id: toId(position?.id),
    position_title: emptyToNull(position?.title),
  };
}

function clientRef(value: unknown): RecordClientRef | null {
  const c = objectOrNull(value);
  const id = toId(c?.id);
  if (!c || id === null) return null;
  return {
    id,
    name: emptyToNull(c.name),
    surname: emptyToNull(c.surname),
    phone: normalisePhone(c.phone),
    email: emptyToNull(c.email),
  };
}

function paymentStatus(value: unknown): number | string | null {
  const n = toInt(value);
  if (n !== null) return n;
  return emptyToNull(value);
}
