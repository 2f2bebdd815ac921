import { rowRandom } from '../random';
import {
  DAY_MS,
  HOUR_MS,
  isoNoColon,
  isoWithColon,
  localMidnight,
  MINUTE_MS,
  naiveLocal,
  ZERO_DATETIME,
} from '../time';
import type { Catalogs } from './catalogs';
import type { Clients } from './clients';
import { chance, int, pick, round2, weighted, withFloatNoise } from './draw';
import { COMMENTS } from './names';
import { Timeline } from './timeline';
import { type CompanyContext, denseIds, ID_BASE, type WireRow } from './wire';

export interface RecordSkeleton {
  datetime: number;
  lastChange: number;
  create: number;
  /** -1: no client */
  clientIndex: number;
  staffIndex: number;
}

export const RECORDS_PAST_DAYS = 730;
export const RECORDS_FUTURE_DAYS = 30;
/** salons work 09:00–24:00 local, so the last minute of a day (23:59) does get appointments */
const OPEN_MINUTE = 9 * 60;
const WORK_MINUTES = 15 * 60;
/** a record's last change comes at most this long after its visit (base data) */
export const RECORD_CHANGE_LAG_MS = 3 * HOUR_MS;

export interface Records {
  timeline: Timeline<WireRow, RecordSkeleton>;
  skeleton(index: number): RecordSkeleton;
  /** the record client sub-object (differs from the client card) */
  embedClient(clientId: number): WireRow | null;
  embedStaff(staffId: number): WireRow;
  /** a full record for a new or changed row, from loose fields */
  compose(fields: Record<string, unknown>, id: number, previous: WireRow | undefined, nowMs: number): WireRow;
  visitIdOf(index: number): number;
}

export function createRecords(ctx: CompanyContext, catalogs: Catalogs, clients: Clients): Records {
  const { seed, company, anchorMs } = ctx;
  const off = company.offsetHours;
  const c = company.ordinal;
  const count = company.records;
  const start = localMidnight(anchorMs, off) - RECORDS_PAST_DAYS * DAY_MS;
  const totalMinutes = (RECORDS_PAST_DAYS + RECORDS_FUTURE_DAYS + 1) * WORK_MINUTES;
  const ids = denseIds(ID_BASE.records(c), count);

  // Some rows share the slot of the row before them, so ties (same minute) always exist.
  const slotOwner = (index: number): number => {
    let i = index;
    while (i > 0 && (i % 7 === 3 || i % 11 === 4)) i--;
    return i;
  };
  // `tiedRecords`: one block of base rows in the middle of the span shares its first row's slot (the
  // owner stays non-decreasing in the index, so the timeline stays sorted).
  const tieFirst = Math.floor((count - company.tiedRecords) / 2);
  const tieEnd = tieFirst + company.tiedRecords;
  const owner = (index: number): number => {
    const i = slotOwner(index);
    return i >= tieFirst && i < tieEnd ? slotOwner(tieFirst) : i;
  };
  const timeOf = (index: number): number => {
    const j = owner(index);
    const jitter = rowRandom(seed, `records.slot:${company.id}`, j)();
    const minute = Math.floor(((j + jitter) * totalMinutes) / Math.max(1, count));
    const day = Math.floor(minute / WORK_MINUTES);
    return start + day * DAY_MS + (OPEN_MINUTE + (minute % WORK_MINUTES)) * MINUTE_MS;
  };

  const skeleton = (index: number): RecordSkeleton => {
    const rng = rowRandom(seed, `records.skeleton:${company.id}`, index);
    const datetime = timeOf(index);
    const clientIndex = company.clients === 0 || chance(rng, 0.06) ? -1 : int(rng, 0, company.clients - 1);
    const staffIndex = int(rng, 0, company.staff - 1);
    const create = Math.min(
      datetime - int(rng, 60, 20 * 24 * 60) * MINUTE_MS,
      anchorMs - int(rng, 0, 72 * 60) * MINUTE_MS,
    );
    const lastChange =
      datetime < anchorMs
        ? Math.min(datetime + int(rng, 0, RECORD_CHANGE_LAG_MS / MINUTE_MS) * MINUTE_MS, anchorMs)
        : Math.min(create + int(rng, 0, 60) * MINUTE_MS, anchorMs);
    return { datetime, lastChange: Math.max(lastChange, create), create, clientIndex, staffIndex };
  };

  const embedStaff = (staffId: number): WireRow => {
    const s = catalogs.staff.lookup(staffId);
    return {
      id: staffId,
      api_id: null,
      name: s?.name ?? '',
      specialization: s?.specialization ?? '',
      position: s?.position ?? [],
      avatar: s?.avatar ?? '',
      avatar_big: s?.avatar_big ?? '',
      rating: s?.rating ?? 0,
      votes_count: 0,
    };
  };

  const embedClient = (clientId: number): WireRow | null => {
    const cl = clients.table.lookup(clientId);
    if (!cl) return null;
    const visits = Number(cl.visits ?? 0);
    return {
      id: cl.id,
      name: cl.name,
      surname: cl.surname,
      patronymic: cl.patronymic,
      display_name: cl.display_name,
      phone: cl.phone,
      card: cl.card,
      email: cl.email,
      success_visits_count: visits,
      fail_visits_count: Math.floor(visits / 10),
      discount: cl.discount,
      custom_fields: [],
      client_tags: (cl.categories as WireRow[] | undefined)?.map((t) => ({ id: t.id, title: t.title })) ?? [],
      is_new: visits <= 1,
    };
  };

  const serviceLine = (serviceId: number, rng: () => number, amount = 1): WireRow => {
    const svc = catalogs.services.lookup(serviceId);
    const firstCost = Number(svc?.price_min ?? 1000);
    const discount = weighted(rng, [
      [0, 70],
      [10, 15],
      [15, 10],
      [withFloatNoise(33.71), 5],
    ]);
    const cost = round2(firstCost * amount * (1 - discount / 100));
    return {
      id: serviceId,
      title: svc?.title ?? '',
      cost,
      cost_to_pay: cost,
      manual_cost: cost,
      cost_per_unit: firstCost,
      discount,
      first_cost: firstCost * amount,
      amount,
    };
  };

  const documentsFor = (id: number, visitId: number, dateNaive: string, index: number, userId: number) => [
    {
      id: ID_BASE.documents(c) + index,
      type_id: 7,
      storage_id: 0,
      user_id: userId,
      company_id: company.id,
      number: ID_BASE.documents(c) + index,
      comment: '',
      date_created: dateNaive,
      category_id: 0,
      visit_id: visitId,
      record_id: id,
      type_title: 'Визит',
      is_sale_bill_printed: false,
    },
  ];

  const visitIdOf = (index: number) => ID_BASE.visits(c) + index;

  const generate = (index: number): WireRow => {
    const rng = rowRandom(seed, `records:${company.id}`, index);
    const sk = skeleton(index);
    const id = ids.idOf(index);
    const staffId = ID_BASE.staff(c) + sk.staffIndex;
    const serviceCount = weighted(rng, [
      [1, 60],
      [2, 30],
      [3, 10],
    ]);
    const services: WireRow[] = [];
    for (let k = 0; k < serviceCount; k++) {
      services.push(
        serviceLine(ID_BASE.services(c) + int(rng, 0, company.services - 1), rng, chance(rng, 0.1) ? 2 : 1),
      );
    }
    const past = sk.datetime < anchorMs;
    const attendance = past
      ? weighted(rng, [
          [1, 70],
          [-1, 8],
          [2, 10],
          [0, 12],
        ])
      : weighted(rng, [
          [0, 60],
          [2, 40],
        ]);
    const paidFull = attendance === 1 && chance(rng, 0.9) ? 1 : 0;
    const visitId = visitIdOf(index);
    const createdUser = 5_000_000 + c * 10_000 + int(rng, 0, 5);
    const dateNaive = naiveLocal(sk.datetime, off);
    const seance = services.reduce((s, line) => {
      const svc = catalogs.services.lookup(line.id);
      return s + Number(svc?.duration ?? 3600);
    }, 0);
    return {
      id,
      company_id: company.id,
      staff_id: staffId,
      services,
      goods_transactions: [],
      staff: embedStaff(staffId),
      client: sk.clientIndex < 0 ? null : embedClient(clients.table.idOf(sk.clientIndex)),
      clients_count: 1,
      date: dateNaive,
      datetime: isoWithColon(sk.datetime, off),
      create_date: isoNoColon(sk.create, off),
      last_change_date: isoNoColon(sk.lastChange, off),
      comment: pick(rng, COMMENTS),
      online: chance(rng, 0.35),
      visit_attendance: attendance,
      attendance,
      confirmed: attendance === 1 || attendance === 2 || chance(rng, 0.5) ? 1 : 0,
      seance_length: seance,
      length: seance,
      sms_before: 0,
      sms_now: 0,
      sms_now_text: '',
      email_now: 0,
      notified: 0,
      master_request: chance(rng, 0.3) ? 1 : 0,
      api_id: '',
      from_url: '',
      review_requested: 0,
      // the docs' samples carry visit_id as a string; so do some rows here
      visit_id: chance(rng, 0.1) ? String(visitId) : visitId,
      created_user_id: createdUser,
      deleted: index % 41 === 17,
      paid_full: paidFull,
      payment_status: paidFull ? 2 : 0,
      prepaid: false,
      prepaid_confirmed: false,
      is_update_blocked: false,
      activity_id: 0,
      bookform_id: 0,
      record_from: '',
      is_mobile: 0,
      is_sale_bill_printed: false,
      short_link: `https://yclients.test/r/${id.toString(36)}`,
      custom_fields: [],
      record_labels: [],
      documents: documentsFor(id, visitId, dateNaive, index, createdUser),
    };
  };

  const compose: Records['compose'] = (fields, id, previous, nowMs) => {
    const template = previous ?? generate(0);
    const row: WireRow = { ...template, ...fields, id };
    const staffId = Number(fields.staff_id ?? template.staff_id);
    row.staff_id = staffId;
    row.staff = embedStaff(staffId);
    if ('client_id' in fields || 'client' in fields) {
      const clientId = fields.client_id ?? (fields.client as WireRow | null)?.id;
      row.client = clientId === null || clientId === undefined ? null : embedClient(Number(clientId));
      delete row.client_id;
    }
    if (Array.isArray(fields.services)) {
      const rng = rowRandom(seed, `records.compose:${company.id}`, id);
      row.services = (fields.services as unknown[]).map((s) =>
        typeof s === 'number'
          ? serviceLine(s, rng)
          : { ...serviceLine(Number((s as WireRow).id), rng), ...(s as WireRow) },
      );
    }
    if (fields.datetime === ZERO_DATETIME) {
      // a row broken upstream: both times read as the zero date (the timeline keeps the row where it was)
      row.datetime = ZERO_DATETIME;
      row.date = ZERO_DATETIME;
    } else if (fields.datetime !== undefined) {
      const ms = typeof fields.datetime === 'number' ? fields.datetime : Date.parse(String(fields.datetime));
      if (!Number.isFinite(ms)) throw new Error(`record datetime is not a time: ${String(fields.datetime)}`);
      row.datetime = isoWithColon(ms, off);
      row.date = naiveLocal(ms, off);
    }
    if (!previous) {
      row.create_date = isoNoColon(nowMs, off);
      row.deleted = fields.deleted ?? false;
      row.visit_id = Number(fields.visit_id ?? ID_BASE.visits(c) + 50_000_000 + (id - ID_BASE.records(c)));
      row.documents = documentsFor(
        id,
        Number(row.visit_id),
        String(row.date),
        id - ID_BASE.records(c),
        Number(row.created_user_id),
      );
    }
    row.last_change_date = isoNoColon(nowMs, off);
    return row;
  };

  const timeline = new Timeline<WireRow, RecordSkeleton>({
    baseCount: count,
    timeOf,
    ...ids,
    deletedModulus: 41,
    deletedResidue: 17,
    generate,
    skeleton,
  });
  return { timeline, skeleton, embedClient, embedStaff, compose, visitIdOf };
}
