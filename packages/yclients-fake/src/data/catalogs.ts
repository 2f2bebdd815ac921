import { rowRandom } from '../random';
import { DAY_MS, localDate } from '../time';
import { chance, int, pick } from './draw';
import { IdTable } from './id-table';
import {
  ACCOUNTS,
  FEMALE_FIRST,
  LABEL_COLORS,
  LABELS,
  MALE_FIRST,
  POSITIONS,
  SERVICE_CATEGORIES,
  SURNAME_STEMS,
} from './names';
import { type CompanyContext, denseIds, ID_BASE, type WireRow } from './wire';

/** The small per-company lists: read whole on every sync, so plain id order and no paging. */
export interface Catalogs {
  positions: IdTable<WireRow>;
  staff: IdTable<WireRow>;
  serviceCategories: IdTable<WireRow>;
  services: IdTable<WireRow>;
  labels: IdTable<WireRow>;
  accounts: IdTable<WireRow>;
}

function table(base: number, count: number, generate: (index: number) => WireRow): IdTable<WireRow> {
  return new IdTable<WireRow>({ baseCount: count, ...denseIds(base, count), generate });
}

export function personName(female: boolean, first: string, stem: string): string {
  return `${first} ${female ? `${stem}а` : stem}`;
}

export function createCatalogs(ctx: CompanyContext): Catalogs {
  const { seed, company } = ctx;
  const c = company.ordinal;
  const stream = (name: string) => `${name}:${company.id}`;

  const positions = table(ID_BASE.positions(c), company.positions, (i) => ({
    id: ID_BASE.positions(c) + i,
    title:
      i < POSITIONS.length
        ? POSITIONS[i]!
        : `${POSITIONS[i % POSITIONS.length]} ${Math.floor(i / POSITIONS.length) + 1}`,
  }));

  const positionOf = (i: number): WireRow | [] => {
    // some masters have no position: the API sends `[]` for an empty object
    if (i % 7 === 6) return [];
    const p = positions.lookup(ID_BASE.positions(c) + (i % company.positions));
    return p ? { id: p.id, title: p.title } : [];
  };

  const staff = table(ID_BASE.staff(c), company.staff, (i) => {
    const rng = rowRandom(seed, stream('staff'), i);
    const female = chance(rng, 0.7);
    const name = personName(female, pick(rng, female ? FEMALE_FIRST : MALE_FIRST), pick(rng, SURNAME_STEMS));
    const position = positionOf(i);
    const fired = i % 9 === 8 ? 1 : 0;
    const status = i % 11 === 10 ? 1 : 0;
    const id = ID_BASE.staff(c) + i;
    return {
      id,
      api_id: null,
      name,
      specialization: Array.isArray(position) ? 'Мастер' : String(position.title),
      company_id: company.id,
      information: '',
      position,
      fired,
      is_fired: fired === 1,
      dismissal_date: fired
        ? localDate(ctx.anchorMs - int(rng, 10, 400) * DAY_MS, company.offsetHours)
        : null,
      dismissal_reason: fired ? 'Уволен по собственному желанию' : null,
      hidden: i % 5 === 4 ? 1 : 0,
      is_online: i % 5 !== 4,
      status,
      is_deleted: status === 1,
      user_id: chance(rng, 0.6) ? 5_000_000 + company.ordinal * 10_000 + i : null,
      rating: Math.round((3.5 + rng() * 1.5) * 100) / 100,
      weight: int(rng, 0, 20),
      avatar: `https://assets.yclients.test/masters/sm/${id}.jpg`,
      avatar_big: `https://assets.yclients.test/masters/origin/${id}.jpg`,
      seance_step: 900,
    };
  });

  const serviceCategories = table(ID_BASE.serviceCategories(c), company.serviceCategories, (i) => {
    const id = ID_BASE.serviceCategories(c) + i;
    const template = SERVICE_CATEGORIES[i % SERVICE_CATEGORIES.length]!;
    return {
      id,
      salon_service_id: id,
      title:
        i < SERVICE_CATEGORIES.length
          ? template.title
          : `${template.title} ${Math.floor(i / SERVICE_CATEGORIES.length) + 1}`,
      api_id: '',
      weight: company.serviceCategories - i,
      staff: [],
    };
  });

  const services = table(ID_BASE.services(c), company.services, (i) => {
    const rng = rowRandom(seed, stream('services'), i);
    const id = ID_BASE.services(c) + i;
    const catIndex = i % company.serviceCategories;
    const template = SERVICE_CATEGORIES[catIndex % SERVICE_CATEGORIES.length]!;
    const n = Math.floor(i / company.serviceCategories);
    const title = `${template.services[n % template.services.length]}${n >= template.services.length ? ` ${Math.floor(n / template.services.length) + 1}` : ''}`;
    const priceMin = int(rng, 5, 60) * 100;
    const duration = int(rng, 2, 12) * 900;
    const staffCount = Math.min(company.staff, int(rng, 1, 4));
    const first = int(rng, 0, company.staff - 1);
    const links = Array.from({ length: staffCount }, (_, k) => {
      const staffIndex = (first + k) % company.staff;
      return {
        id: ID_BASE.staff(c) + staffIndex,
        seance_length: duration + int(rng, -1, 2) * 900 || duration,
        technological_card_id: 0,
        price: chance(rng, 0.5) ? null : priceMin + int(rng, 0, 10) * 100,
      };
    });
    return {
      id,
      salon_service_id: id,
      title,
      booking_title: title,
      print_title: '',
      category_id: ID_BASE.serviceCategories(c) + catIndex,
      price_min: priceMin,
      price_max: priceMin + int(rng, 0, 20) * 100,
      discount: 0,
      comment: '',
      weight: int(rng, 0, 10),
      active: i % 13 === 12 ? 0 : 1,
      api_id: '',
      api_service_id: 0,
      service_type: 1,
      duration,
      is_multi: false,
      capacity: 1,
      prepaid: 'forbidden',
      image_group: [],
      staff: links,
    };
  });

  const labels = table(ID_BASE.labels(c), company.labels, (i) => ({
    id: ID_BASE.labels(c) + i,
    salon_id: company.id,
    title:
      i < LABELS.length ? LABELS[i]! : `${LABELS[i % LABELS.length]} ${Math.floor(i / LABELS.length) + 1}`,
    color: LABEL_COLORS[i % LABEL_COLORS.length]!,
    icon: '',
    entity: 1,
    // some labels are deleted and still listed: history must keep resolving
    deleted: i % 6 === 5 ? 1 : 0,
    not_editable: 0,
  }));

  const accounts = table(ID_BASE.accounts(c), company.accounts, (i) => {
    const template = ACCOUNTS[i % ACCOUNTS.length]!;
    return {
      id: ID_BASE.accounts(c) + i,
      title:
        i < ACCOUNTS.length ? template.title : `${template.title} ${Math.floor(i / ACCOUNTS.length) + 1}`,
      type: template.type,
      comment: '',
    };
  });

  return { positions, staff, serviceCategories, services, labels, accounts };
}
