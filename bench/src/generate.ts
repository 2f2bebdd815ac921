/**
 * Deterministic, realistic normalised rows (the shapes of docs/architecture.md §1) for the merge benchmarks.
 *
 * Every row is a pure function of (entity, id, version): the same call gives the same row on every run and
 * machine, so the three loaders see byte-identical pages and results are comparable between runs. Version 2
 * changes 10% of the rows (those with `isChanged(id)`), which is the "90% unchanged" re-sync scenario.
 * Pages are built on demand rather than held in memory, so 200,000 records with their `raw` payloads do not
 * inflate the benchmark process (and its timings) with a large heap.
 */

export const COMPANY_ID = 4564;

/** Parents the records reference; seeded before the records suite, as a real sync loads them first. */
export const CATALOG = { positions: 4, staff: 24, serviceCategories: 6, services: 60 } as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Row = { [key: string]: Json };

/** mulberry32: tiny, fast and good enough for test data; seeded per row so rows are independent. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rowSeed(entity: string, id: number, version: number): number {
  let h = 2166136261;
  for (const ch of `${entity}:${id}:${version}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Which rows version 2 changes: every tenth id, spread over all pages. */
export function isChanged(id: number): boolean {
  return id % 10 === 7;
}

const NAMES = [
  'Анна',
  'Мария',
  'Елена',
  'Ольга',
  'Наталья',
  'Ирина',
  'Светлана',
  'Татьяна',
  'Юлия',
  'Дмитрий',
];
const SURNAMES = [
  'Иванова',
  'Смирнова',
  'Кузнецова',
  'Попова',
  'Васильева',
  'Петрова',
  'Соколова',
  'Михайлова',
];
const PATRONYMICS = ['Александровна', 'Сергеевна', 'Владимировна', 'Андреевна', null];
const CATEGORIES = [
  { id: 101, title: 'VIP', color: '#f5a623' },
  { id: 102, title: 'Постоянный', color: '#7ed321' },
  { id: 103, title: 'Новый', color: '#4a90e2' },
  { id: 104, title: 'Проблемный', color: '#d0021b' },
  { id: 105, title: 'Из Instagram', color: '#9013fe' },
];
const SERVICES = ['Стрижка женская', 'Окрашивание', 'Маникюр', 'Педикюр', 'Укладка', 'Брови', 'Массаж'];
const SPECIALIZATIONS = ['Парикмахер', 'Мастер маникюра', 'Косметолог', 'Массажист'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function int(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

const BASE = Date.UTC(2022, 0, 1);
function iso(ms: number): string {
  // Moscow time with its offset, as the SDK normalises timestamps
  const local = new Date(ms + 3 * 3600_000).toISOString().slice(0, 19);
  return `${local}+03:00`;
}

function phone(rand: () => number): string {
  return `+79${String(int(rand, 0, 999_999_999)).padStart(9, '0')}`;
}

export function clientRow(id: number, version = 1): Row {
  const v = version > 1 && isChanged(id) ? version : 1;
  const rand = seededRandom(rowSeed('clients', id, 1));
  const name = pick(rand, NAMES);
  const surname = pick(rand, SURNAMES);
  const patronymic = pick(rand, PATRONYMICS);
  const tel = phone(rand);
  const email = rand() < 0.6 ? `client${id}@example.ru` : null;
  const birth =
    rand() < 0.5 ? new Date(Date.UTC(1960 + int(rand, 0, 45), int(rand, 0, 11), int(rand, 1, 28))) : null;
  const sexId = int(rand, 0, 2);
  const cats = CATEGORIES.filter(() => rand() < 0.25);
  let visits = int(rand, 0, 60);
  let spent = visits * int(rand, 800, 4000);
  let changed = BASE + Math.floor(rand() * 700) * 86_400_000 + int(rand, 0, 86_399) * 1000;
  if (v > 1) {
    // a visit since the last sync: counters, timestamp and sometimes a new label change upstream
    visits += v - 1;
    spent += 2500 * (v - 1);
    changed += 30 * 86_400_000;
    if (!cats.some((c) => c.id === 102)) cats.push(CATEGORIES[1]!);
  }
  const comment = rand() < 0.2 ? 'Предпочитает утро, аллергия на аммиак' : null;
  const card = rand() < 0.3 ? String(100000 + id) : null;
  const customFields: Row = rand() < 0.3 ? { source: pick(rand, ['instagram', 'сайт', 'рекомендация']) } : {};
  const balance = rand() < 0.1 ? int(rand, 1, 50) * 100 : 0;
  const discount = rand() < 0.15 ? int(rand, 1, 4) * 5 : 0;
  const smsCheck = rand() < 0.5;
  const smsNot = rand() < 0.1;
  const importanceId = int(rand, 0, 3);
  const raw: Row = {
    id,
    name,
    surname,
    patronymic: patronymic ?? '',
    phone: tel.slice(1),
    email: email ?? '',
    card: card ?? '',
    birth_date: birth ? birth.toISOString().slice(0, 10) : '',
    comment: comment ?? '',
    discount,
    visits,
    sex_id: sexId,
    sex: ['Неизвестно', 'Мужской', 'Женский'][sexId] ?? '',
    sms_check: smsCheck ? 1 : 0,
    sms_bot: 0,
    sms_not: smsNot ? 1 : 0,
    spent,
    paid: spent,
    balance,
    importance_id: importanceId,
    importance: ['Без класса важности', 'Бронза', 'Серебро', 'Золото'][importanceId] ?? '',
    categories: cats.map((c) => ({ ...c })),
    last_change_date: iso(changed).replace('+03:00', '+0300'),
    custom_fields: customFields,
  };
  return {
    id,
    name,
    surname,
    patronymic,
    phone: tel,
    email,
    card,
    birth_date: birth ? birth.toISOString().slice(0, 10) : null,
    comment,
    discount,
    sex_id: sexId,
    sex: raw.sex as string,
    sms_check: smsCheck,
    sms_bot: false,
    sms_not: smsNot,
    balance,
    importance_id: importanceId,
    importance: raw.importance as string,
    spent,
    visits,
    last_change_date: iso(changed),
    custom_fields: customFields,
    categories: cats.map((c) => ({ ...c })),
    raw,
  };
}

export function recordRow(id: number, clientPool: number, version = 1): Row {
  const v = version > 1 && isChanged(id) ? version : 1;
  const rand = seededRandom(rowSeed('records', id, 1));
  const staffId = int(rand, 1, CATALOG.staff);
  const positionId = 1 + (staffId % CATALOG.positions);
  const clientId = rand() < 0.92 ? int(rand, 1, clientPool) : null;
  const start = BASE + Math.floor(rand() * 900) * 86_400_000 + int(rand, 9, 20) * 3600_000;
  const created = start - int(rand, 1, 30) * 86_400_000;
  let changed = created + int(rand, 0, 3600) * 1000;
  let attendance = pick(rand, [1, 1, 1, 2, 0, -1]);
  const lines = int(rand, 1, 3);
  const services: Row[] = [];
  for (let n = 0; n < lines; n++) {
    const sid = int(rand, 1, CATALOG.services);
    const cost = int(rand, 8, 60) * 100;
    const discount = rand() < 0.2 ? 10 : 0;
    services.push({
      id: sid,
      title: SERVICES[sid % SERVICES.length] as string,
      cost: cost * (1 - discount / 100),
      first_cost: cost,
      discount,
      amount: 1,
      cost_per_unit: cost,
      manual_cost: cost * (1 - discount / 100),
    });
  }
  let comment: string | null = rand() < 0.15 ? 'Записалась по телефону' : null;
  if (v > 1) {
    // the visit happened (or not) after the last sync: attendance, comment and change time move
    attendance = attendance === 1 ? -1 : 1;
    comment = 'Перенесла на час позже';
    changed += 7 * 86_400_000;
  }
  const staff = {
    id: staffId,
    name: `Мастер ${staffId}`,
    specialization: SPECIALIZATIONS[staffId % SPECIALIZATIONS.length] as string,
    position_id: positionId,
    position_title: `Должность ${positionId}`,
  };
  const client = clientId
    ? {
        id: clientId,
        name: pick(rand, NAMES),
        surname: pick(rand, SURNAMES),
        phone: phone(rand),
        email: null,
      }
    : null;
  const seance = services.length * 3600;
  const paid = attendance === 1;
  const raw: Row = {
    id,
    company_id: COMPANY_ID,
    staff_id: staffId,
    services: services.map((s) => ({ ...s })),
    staff: { ...staff, position: { id: positionId, title: staff.position_title } },
    client: client ? { ...client, phone: (client.phone as string).slice(1), email: '' } : [],
    date: iso(start).slice(0, 19).replace('T', ' '),
    datetime: iso(start),
    create_date: iso(created),
    comment: comment ?? '',
    online: id % 3 === 0,
    visit_attendance: attendance,
    attendance,
    confirmed: 1,
    seance_length: seance,
    length: seance,
    visit_id: id + 500_000,
    last_change_date: iso(changed),
    paid_full: paid ? 1 : 0,
    payment_status: paid ? 2 : 0,
    deleted: false,
  };
  return {
    id,
    datetime: iso(start),
    create_date: iso(created),
    last_change_date: iso(changed),
    seance_length_seconds: seance,
    attendance,
    visit_attendance: attendance,
    confirmed: true,
    paid_full: paid,
    payment_status: paid ? 'paid' : 'not_paid',
    online: id % 3 === 0,
    comment,
    deleted: false,
    visit_id: id + 500_000,
    staff_id: staffId,
    staff,
    client_id: clientId,
    client,
    services,
    raw,
  };
}

export type Entity = 'clients' | 'records';

/** The clients the records point at (seeded before the records suite). */
export function clientPoolFor(totalRows: number): number {
  return Math.max(1000, Math.floor(totalRows / 5));
}

/** Page `index` (0-based) of `pageSize` rows of `entity` out of `totalRows`, at `version`. */
export function page(entity: Entity, index: number, pageSize: number, totalRows: number, version = 1): Row[] {
  const rows: Row[] = [];
  const first = index * pageSize + 1;
  const last = Math.min(totalRows, first + pageSize - 1);
  const pool = clientPoolFor(totalRows);
  for (let id = first; id <= last; id++) {
    rows.push(entity === 'clients' ? clientRow(id, version) : recordRow(id, pool, version));
  }
  return rows;
}

export function pageCount(totalRows: number, pageSize: number): number {
  return Math.ceil(totalRows / pageSize);
}
