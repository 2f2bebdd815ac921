import { YclientsError } from '../errors';
import type { RecordClientRef, RecordServiceLine, RecordStaffRef, YcRecord } from '../types';
import { asRow, requireId } from './row';
import { cutText } from './sanitise';
import {
  arrayOf,
  isNaive,
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
 * A record (visit). `datetime` carries the company offset; when it is missing the naive `date` is
 * read in the company zone. `raw` drops `documents`, which the specification says not to store.
 */
export function normaliseRecord(value: unknown, options: NormaliseOptions = {}): YcRecord {
  const raw = asRow(withoutDocuments(value), 'record');
  const id = requireId(raw, 'record');
  const zone = options.companyTimeZone;
  const datetime = toTimestamp(raw.datetime, zone) ?? toTimestamp(raw.date, zone);
  if (datetime === null) {
    const naive = [raw.datetime, raw.date].find((v) => toTimestamp(v, '+00:00') !== null);
    const why =
      naive === undefined
        ? shown(raw.datetime ?? raw.date)
        : `${shown(naive)} is naive and no companyTimeZone was given`;
    throw new YclientsError('invalid_row', `record ${id}: no usable datetime (${why})`);
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
    comment: toText(raw.comment),
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
          title: toText(s.title),
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

/**
 * A wire record without `documents` (the same value when it has none). A list read applies it before
 * anything else, so a rejected record is not stored with its documents either.
 */
export function withoutDocuments(value: unknown): unknown {
  const row = objectOrNull(value);
  if (!row || !('documents' in row)) return value;
  const { documents: _documents, ...rest } = row;
  return rest;
}

/**
 * True when only the company's zone would place one of the row's times: its visit time (`datetime`
 * without an offset, or only the naive `date`), `create_date` or `last_change_date`. A zero or missing
 * time is not (it is refused or null either way, and looking the company up would not help).
 */
export function recordNeedsZone(value: unknown): boolean {
  const row = objectOrNull(value);
  if (!row) return false;
  const visit = toTimestamp(row.datetime) === null && (isNaive(row.datetime) || isNaive(row.date));
  return visit || isNaive(row.create_date) || isNaive(row.last_change_date);
}

/** A wire date for a message: a date is no secret, but a string there may be anything, so keep it short. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${cutText(value, 40)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function staffRef(value: unknown): RecordStaffRef | null {
  const s = objectOrNull(value);
  const id = toId(s?.id);
  if (!s || id === null) return null;
  const position = objectOrNull(s.position);
  return {
    id,
    name: toText(s.name),
    specialization: toText(s.specialization),
    position_id: toId(position?.id),
    position_title: toText(position?.title),
  };
}

function clientRef(value: unknown): RecordClientRef | null {
  const c = objectOrNull(value);
  const id = toId(c?.id);
  if (!c || id === null) return null;
  return {
    id,
    name: toText(c.name),
    surname: toText(c.surname),
    phone: normalisePhone(c.phone),
    email: toText(c.email),
  };
}

function paymentStatus(value: unknown): number | string | null {
  const n = toInt(value);
  if (n !== null) return n;
  return toText(value);
}
