import type { CompanyData } from '../data/company';
import type { WireRow } from '../data/wire';
import { fail, MESSAGES, ok } from '../http/envelope';
import { rowRandom } from '../random';
import { DAY_MS, isoWithColon } from '../time';
import { clientViews } from './clients';
import type { Route } from './context';
import { pageNumber, pageSize } from './params';

/** The only fields the search returns; anything else asked for is dropped without a word. */
const RETURNABLE = [
  'id',
  'name',
  'phone',
  'email',
  'discount',
  'first_visit_date',
  'last_visit_date',
  'sold_amount',
  'visits_count',
  'deposit_balance',
  'passteam_card_id',
] as const;
const ORDERABLE = new Set([
  'id',
  'name',
  'phone',
  'email',
  'discount',
  'first_visit_date',
  'last_visit_date',
  'sold_amount',
  'visits_count',
]);

/** The search's own view of a client: visit statistics the card does not carry. */
function searchView(company: CompanyData, row: WireRow): Record<string, unknown> {
  const visits = Number(row.visits ?? 0);
  const rng = rowRandom(company.ctx.seed, `clients.visits:${company.options.id}`, row.id);
  const last = company.ctx.anchorMs - Math.floor(rng() * 300) * DAY_MS;
  const off = company.options.offsetHours;
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    email: row.email,
    discount: row.discount,
    first_visit_date: visits === 0 ? null : isoWithColon(last - visits * 20 * DAY_MS, off),
    last_visit_date: visits === 0 ? null : isoWithColon(last, off),
    sold_amount: Number(row.spent ?? 0),
    visits_count: visits,
    deposit_balance: row.balance === 0 && rng() < 0.5 ? null : row.balance,
    passteam_card_id: null,
  };
}

interface Filter {
  type?: unknown;
  state?: { value?: unknown; invert?: unknown };
}

function filterTest(filters: Filter[], operation: string): ((row: WireRow) => boolean) | undefined | 'bad' {
  if (filters.length === 0) return undefined;
  const tests: ((row: WireRow) => boolean)[] = [];
  for (const f of filters) {
    const value = f.state?.value;
    let test: (row: WireRow) => boolean;
    if (f.type === 'id' && Array.isArray(value)) {
      const ids = new Set(value.map(Number));
      test = (row) => ids.has(row.id);
    } else if (f.type === 'quick_search' && typeof value === 'string') {
      const needle = value.toLowerCase();
      const digits = value.replace(/\D/g, '');
      test = (row) =>
        `${row.name} ${row.surname} ${row.card}`.toLowerCase().includes(needle) ||
        (digits.length > 0 && String(row.phone).replace(/\D/g, '').includes(digits));
    } else return 'bad';
    tests.push(f.state?.invert ? (row) => !test(row) : test);
  }
  return operation === 'OR' ? (row) => tests.some((t) => t(row)) : (row) => tests.every((t) => t(row));
}

export const searchRoutes: Route[] = [
  {
    method: 'POST',
    template: '/company/{company_id}/clients/search',
    auth: 'user',
    search: true,
    handle: ({ company, body, state }) => {
      const page = pageNumber(body.page);
      const size = pageSize(body.page_size, 25, state.options.limits.search);
      const asked = Array.isArray(body.fields) ? body.fields.map(String) : ['id'];
      const fields = RETURNABLE.filter((f) => asked.includes(f));
      if (fields.length === 0) fields.push('id');
      const orderBy = ORDERABLE.has(String(body.order_by)) ? String(body.order_by) : 'id';
      const desc = String(body.order_by_direction ?? 'ASC').toUpperCase() === 'DESC';
      const test = filterTest(
        Array.isArray(body.filters) ? body.filters : [],
        String(body.operation ?? 'AND').toUpperCase(),
      );
      if (test === 'bad') return fail(400, MESSAGES.badFilter, { errors: { filters: [MESSAGES.badFilter] } });
      const project = (row: WireRow) => {
        const view = searchView(company, row);
        return Object.fromEntries(fields.map((f) => [f, view[f]]));
      };
      const table = company.clients.table;
      if (!test && orderBy === 'id') {
        // id order needs no sort: address rows directly from either end
        const total = table.size();
        const rows: Record<string, unknown>[] = [];
        for (let k = (page - 1) * size; k < Math.min(page * size, total); k++) {
          rows.push(project(table.at(desc ? total - 1 - k : k)!));
        }
        return ok(rows, { total_count: total });
      }
      // Any other order is a sort of the whole live list, as a database would do it.
      const all: { id: number; key: unknown; row: WireRow }[] = [];
      for (const v of clientViews(company)) {
        const row = v.row();
        if (test && !test(row)) continue;
        all.push({ id: row.id, key: orderBy === 'id' ? row.id : searchView(company, row)[orderBy], row });
      }
      const compare = (a: unknown, b: unknown) =>
        a === b ? 0 : a === null || a === undefined ? -1 : b === null || b === undefined ? 1 : a < b ? -1 : 1;
      all.sort((a, b) => (desc ? -1 : 1) * (compare(a.key, b.key) || a.id - b.id));
      return ok(
        all.slice((page - 1) * size, page * size).map((x) => project(x.row)),
        { total_count: all.length },
      );
    },
  },
];
