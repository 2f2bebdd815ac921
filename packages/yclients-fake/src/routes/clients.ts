import type { CompanyData } from '../data/company';
import type { WireRow } from '../data/wire';
import { fail, ok } from '../http/envelope';
import { parseWireTimestamp } from '../time';
import type { Route } from './context';
import { optionalInt, pageNumber, pageSize, timeParam } from './params';

/** What client filters look at: cheap for untouched base rows, the full row only when asked for. */
export interface ClientView {
  id: number;
  lastChange: number;
  spent: number;
  row(): WireRow;
}

/** Every live client in id order as a view, one at a time. */
export function* clientViews(company: CompanyData): IterableIterator<ClientView> {
  const { table, skeleton } = company.clients;
  for (let index = 0; index < table.baseCount; index++) {
    if (!table.isLiveBase(index)) continue;
    if (table.isOverridden(index)) yield viewOf(table.baseRow(index));
    else {
      const sk = skeleton(index);
      yield {
        id: table.idOf(index),
        lastChange: sk.lastChange,
        spent: sk.spent,
        row: () => table.baseRow(index),
      };
    }
  }
  for (const row of table.insertedRows()) yield viewOf(row);
}

function viewOf(row: WireRow): ClientView {
  return {
    id: row.id,
    lastChange: parseWireTimestamp(String(row.last_change_date)),
    spent: Number(row.spent ?? 0),
    row: () => row,
  };
}

function contains(value: unknown, needle: string): boolean {
  return String(value ?? '')
    .toLowerCase()
    .includes(needle.toLowerCase());
}

export const clientRoutes: Route[] = [
  {
    // Deprecated but the only list with full cards: id ascending, 1-based pages, up to 300 a page.
    method: 'GET',
    template: '/clients/{company_id}',
    auth: 'user',
    handle: (ctx) => {
      const { company, query, state } = ctx;
      const page = pageNumber(query.get('page'));
      const count = pageSize(query.get('count'), 20, state.options.limits.clients);
      const changedAfter = timeParam(ctx, 'changed_after');
      const changedBefore = timeParam(ctx, 'changed_before');
      const paidMin = optionalInt(ctx, 'paid_min');
      const paidMax = optionalInt(ctx, 'paid_max');
      const fullname = query.get('fullname');
      const phone = query.get('phone')?.replace(/\D/g, '');
      const email = query.get('email');
      const card = query.get('card');
      const ids = new Set([...query.getAll('id'), ...query.getAll('id[]')].map(Number));
      const filtered =
        changedAfter !== undefined ||
        changedBefore !== undefined ||
        paidMin !== undefined ||
        paidMax !== undefined ||
        !!fullname ||
        !!phone ||
        !!email ||
        !!card ||
        ids.size > 0;
      const table = company.clients.table;
      const meta = (total: number) => ({ page, total_count: total });
      if (!filtered) {
        const rows: WireRow[] = [];
        for (let k = (page - 1) * count; k < Math.min(page * count, table.size()); k++)
          rows.push(table.at(k)!);
        return ok(rows, meta(table.size()));
      }
      const matching: WireRow[] = [];
      let total = 0;
      for (const v of clientViews(company)) {
        if (changedAfter !== undefined && v.lastChange < changedAfter) continue;
        if (changedBefore !== undefined && v.lastChange > changedBefore) continue;
        if (paidMin !== undefined && v.spent < paidMin) continue;
        if (paidMax !== undefined && v.spent > paidMax) continue;
        if (ids.size > 0 && !ids.has(v.id)) continue;
        if (fullname || phone || email || card) {
          const row = v.row();
          if (fullname && !contains(`${row.name} ${row.surname} ${row.patronymic}`, fullname)) continue;
          if (phone && !String(row.phone).replace(/\D/g, '').includes(phone)) continue;
          if (email && !contains(row.email, email)) continue;
          if (card && String(row.card) !== card) continue;
        }
        if (total >= (page - 1) * count && total < page * count) matching.push(v.row());
        total++;
      }
      // The live trap: a `paid_min` that matches nobody silently returns the unfiltered list.
      if (total === 0 && paidMin !== undefined) {
        const rows: WireRow[] = [];
        for (let k = (page - 1) * count; k < Math.min(page * count, table.size()); k++)
          rows.push(table.at(k)!);
        return ok(rows, meta(table.size()));
      }
      return ok(matching, meta(total));
    },
  },
  {
    method: 'POST',
    template: '/clients/{company_id}',
    auth: 'user',
    handle: ({ company, body }) => {
      if (typeof body.name !== 'string' || body.name === '') {
        return fail(422, 'Ошибка валидации', { errors: { name: ['Поле обязательно для заполнения'] } });
      }
      return ok(company.api.clients.insert(body), [], 201);
    },
  },
  {
    method: 'GET',
    template: '/client/{company_id}/{client_id}',
    auth: 'user',
    handle: ({ company, params }) => {
      const row = company.api.clients.get(Number(params.client_id));
      return row ? ok(row) : fail(404, 'Клиент не найден');
    },
  },
  {
    method: 'PUT',
    template: '/client/{company_id}/{client_id}',
    auth: 'user',
    handle: ({ company, params, body }) => {
      const id = Number(params.client_id);
      if (!company.api.clients.get(id)) return fail(404, 'Клиент не найден');
      return ok(company.api.clients.update(id, body));
    },
  },
  {
    method: 'DELETE',
    template: '/client/{company_id}/{client_id}',
    auth: 'user',
    handle: ({ company, params }) =>
      company.api.clients.delete(Number(params.client_id))
        ? { kind: 'empty', status: 204 }
        : fail(404, 'Клиент не найден'),
  },
];
