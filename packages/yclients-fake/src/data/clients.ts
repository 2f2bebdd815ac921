import { rowRandom } from '../random';
import { DAY_MS, isoNoColon, localDate } from '../time';
import type { Catalogs } from './catalogs';
import { chance, int, pick, weighted, withFloatNoise } from './draw';
import { IdTable } from './id-table';
import {
  COMMENTS,
  FEMALE_FIRST,
  LATIN,
  MAIL_DOMAINS,
  MALE_FIRST,
  PATRONYMIC_STEMS,
  SURNAME_STEMS,
} from './names';
import { type CompanyContext, ID_BASE, type WireRow } from './wire';

/** The fields filters need, computed without the rest of the row. */
export interface ClientSkeleton {
  lastChange: number;
  spent: number;
}

export interface Clients {
  table: IdTable<WireRow>;
  skeleton(index: number): ClientSkeleton;
  indexOf(id: number): number | undefined;
}

const HISTORY_MS = 3 * 365 * DAY_MS;
export const SEX = ['Неизвестно', 'Мужской', 'Женский'] as const;
export const IMPORTANCE = ['Без класса важности', 'Бронза', 'Серебро', 'Золото'] as const;

/** A ten-digit Russian mobile number written the four ways real payloads mix. */
export function phoneVariant(digits10: string, variant: number): string | number {
  switch (variant) {
    case 0:
      return `+7${digits10}`;
    case 1:
      return `8${digits10}`;
    case 2:
      return Number(`7${digits10}`);
    default:
      return digits10;
  }
}

export function createClients(ctx: CompanyContext, catalogs: Catalogs): Clients {
  const { seed, company, anchorMs } = ctx;
  const base = ID_BASE.clients(company.ordinal);
  const count = company.clients;
  // ids have gaps (2i + 1), like ids left by clients deleted long ago
  const idOf = (index: number) => base + 2 * index + 1;
  const indexOf = (id: number) => {
    const index = (id - base - 1) / 2;
    return Number.isInteger(index) && index >= 0 && index < count ? index : undefined;
  };

  const skeleton = (index: number): ClientSkeleton => {
    const rng = rowRandom(seed, `clients.skeleton:${company.id}`, index);
    // created in id order over three years; changed at some point between creation and the anchor
    const created = anchorMs - HISTORY_MS + ((index + rng()) / Math.max(1, count)) * (HISTORY_MS - DAY_MS);
    const lastChange = Math.floor((created + rng() * rng() * (anchorMs - created)) / 1000) * 1000;
    const spent = chance(rng, 0.15) ? 0 : int(rng, 1, 400) * 500;
    return { lastChange, spent };
  };

  const generate = (index: number): WireRow => {
    const rng = rowRandom(seed, `clients:${company.id}`, index);
    const sk = skeleton(index);
    const female = chance(rng, 0.75);
    const first = pick(rng, female ? FEMALE_FIRST : MALE_FIRST);
    const stem = pick(rng, SURNAME_STEMS);
    const surname = female ? `${stem}а` : stem;
    const patronymic = chance(rng, 0.5) ? '' : `${pick(rng, PATRONYMIC_STEMS)}${female ? 'на' : 'ич'}`;
    const digits = `9${String(int(rng, 0, 99)).padStart(2, '0')}${String(int(rng, 0, 9_999_999)).padStart(7, '0')}`;
    const phone = phoneVariant(
      digits,
      weighted(rng, [
        [0, 50],
        [1, 20],
        [2, 20],
        [3, 10],
      ]),
    );
    const email = chance(rng, 0.6) ? `${pick(rng, LATIN)}${int(rng, 1, 999)}@${pick(rng, MAIL_DOMAINS)}` : '';
    const birthKind = weighted(rng, [
      ['date', 55],
      ['empty', 15],
      ['zero', 15],
      ['epoch', 15],
    ] as const);
    const birth_date =
      birthKind === 'date'
        ? localDate(anchorMs - int(rng, 18 * 365, 70 * 365) * DAY_MS, 0)
        : birthKind === 'empty'
          ? ''
          : birthKind === 'zero'
            ? 0
            : '1970-01-01';
    const categoryCount =
      company.labels === 0
        ? 0
        : weighted(rng, [
            [0, 50],
            [1, 35],
            [2, 15],
          ]);
    const categories: WireRow[] = [];
    for (let k = 0; k < categoryCount; k++) {
      const label = catalogs.labels.lookup(ID_BASE.labels(company.ordinal) + int(rng, 0, company.labels - 1));
      if (label && !categories.some((x) => x.id === label.id)) {
        categories.push({ id: label.id, title: label.title, color: label.color });
      }
    }
    const custom_fields = chance(rng, 0.75)
      ? []
      : { source: pick(rng, ['instagram', 'vk', '2gis', 'сайт']), card_no: String(int(rng, 1000, 9999)) };
    const discount = weighted(rng, [
      [0, 70],
      [5, 10],
      [10, 10],
      [15, 5],
      [withFloatNoise(33.71), 5],
    ]);
    const sex_id = chance(rng, 0.1) ? 0 : female ? 2 : 1;
    const importance_id = weighted(rng, [
      [0, 70],
      [1, 15],
      [2, 10],
      [3, 5],
    ]);
    const visits = sk.spent === 0 ? 0 : int(rng, 1, 60);
    return {
      id: idOf(index),
      name: chance(rng, 0.6) ? first : `${surname} ${first}`,
      surname,
      patronymic,
      display_name: `${surname} ${first}${patronymic ? ` ${patronymic}` : ''}`,
      phone,
      email,
      categories,
      sex_id,
      sex: SEX[sex_id],
      importance_id,
      importance: IMPORTANCE[importance_id],
      discount,
      card: chance(rng, 0.3) ? String(int(rng, 10_000_000, 99_999_999)) : '',
      birth_date,
      comment: pick(rng, COMMENTS),
      sms_check: chance(rng, 0.5) ? 1 : 0,
      sms_not: chance(rng, 0.1) ? 1 : 0,
      sms_bot: chance(rng, 0.8) ? 1 : 0,
      spent: sk.spent,
      paid: sk.spent,
      balance: chance(rng, 0.8) ? 0 : int(rng, -20, 50) * 100,
      visits,
      last_change_date: isoNoColon(sk.lastChange, company.offsetHours),
      custom_fields,
    };
  };

  return { table: new IdTable<WireRow>({ baseCount: count, idOf, indexOf, generate }), skeleton, indexOf };
}
