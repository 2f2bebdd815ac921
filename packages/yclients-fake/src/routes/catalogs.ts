import type { WireRow } from '../data/wire';
import { fail, ok } from '../http/envelope';
import type { Route } from './context';

/** `GET /company/{id}` and the small lists: no paging, whole list in one answer. */
export const catalogRoutes: Route[] = [
  {
    method: 'GET',
    template: '/company/{company_id}',
    auth: 'partner',
    errorsForm: true,
    handle: ({ company }) => ok(company.card()),
  },
  {
    method: 'GET',
    template: '/company/{company_id}/staff/positions',
    auth: 'user',
    handle: ({ company }) => ok([...company.api.positions.list()].map((p) => ({ id: p.id, title: p.title }))),
  },
  {
    method: 'GET',
    template: '/company/{company_id}/staff',
    auth: 'user',
    handle: ({ company, state }) => {
      const rows = [...company.api.staff.list()];
      return ok(rows, { [state.options.staffMetaKey]: rows.length });
    },
  },
  {
    method: 'GET',
    template: '/company/{company_id}/staff/{staff_id}',
    auth: 'user',
    handle: ({ company, params, state }) => {
      const id = Number(params.staff_id);
      // callers use `/staff/0` to mean the whole list
      if (id === 0) {
        const rows = [...company.api.staff.list()];
        return ok(rows, { [state.options.staffMetaKey]: rows.length });
      }
      const row = company.api.staff.get(id);
      return row ? ok(row) : fail(404, `Сотрудник с ID ${id} не найден в филиале ${company.options.id}.`);
    },
  },
  {
    method: 'GET',
    template: '/company/{company_id}/service_categories',
    auth: 'user',
    handle: ({ company }) => {
      const rows = [...company.api.serviceCategories.list()].map((cat) =>
        withStaff(cat, company.api.services.list()),
      );
      return ok(rows, { total_count: rows.length });
    },
  },
  {
    method: 'GET',
    template: '/company/{company_id}/service_categories/{category_id}',
    auth: 'user',
    handle: ({ company, params }) => {
      const row = company.api.serviceCategories.get(Number(params.category_id));
      return row ? ok(withStaff(row, company.api.services.list())) : fail(404, 'Категория не найдена.');
    },
  },
  {
    method: 'GET',
    template: '/company/{company_id}/services',
    auth: 'user',
    handle: ({ company, query }) => {
      const staffId = query.get('staff_id');
      const categoryId = query.get('category_id');
      const rows = [...company.api.services.list()].filter(
        (s) =>
          (!categoryId || String(s.category_id) === categoryId) &&
          (!staffId || (s.staff as WireRow[]).some((l) => String(l.id) === staffId)),
      );
      return ok(rows, { total_count: rows.length });
    },
  },
  {
    method: 'GET',
    template: '/company/{company_id}/services/{service_id}',
    auth: 'user',
    handle: ({ company, params }) => {
      const row = company.api.services.get(Number(params.service_id));
      return row ? ok(row) : fail(404, 'Услуга не найдена.');
    },
  },
  {
    method: 'GET',
    template: '/labels/{company_id}/{entity}',
    auth: 'user',
    words: ['entity'],
    handle: ({ company, params }) => {
      const entity = params.entity;
      if (entity === '1' || entity === 'client') return ok([...company.api.labels.list()]);
      // the simulator has no record or common labels
      if (['0', '2', '3', 'common', 'record', 'records'].includes(entity ?? '')) return ok([]);
      return fail(404, 'Не найдено');
    },
  },
  {
    method: 'GET',
    template: '/accounts/{company_id}',
    auth: 'user',
    handle: ({ company }) => ok([...company.api.accounts.list()]),
  },
];

/** a category lists the masters who perform any of its services */
function withStaff(category: WireRow, services: Iterable<WireRow>): WireRow {
  const staff = new Set<number>();
  for (const s of services) {
    if (s.category_id === category.id) for (const l of s.staff as WireRow[]) staff.add(l.id);
  }
  return { ...category, staff: [...staff].sort((a, b) => a - b) };
}
