import { RECORD_CHANGE_LAG_MS, type RecordSkeleton } from '../data/records';
import type { TimelineEntry, TimelineQuery } from '../data/timeline';
import type { WireRow } from '../data/wire';
import { fail, ok } from '../http/envelope';
import { MINUTE_MS, parseLocalDate, parseWireTimestamp } from '../time';
import type { Route, RouteContext } from './context';
import { BadRequest, optionalInt, pageNumber, pageSize, timeParam } from './params';

/**
 * The backend's `end_date` filter ends at 23:59:00 local, so appointments in the day's last minute
 * (23:59 itself included) are missed. The bound is inclusive, hence the millisecond.
 */
export const END_OF_DAY_MS = (23 * 60 + 59) * MINUTE_MS - 1;

/** Local-day bounds of `start_date`/`end_date`, in the given zone. */
export function dayWindow(
  ctx: RouteContext,
  offsetHours: number,
  endOfDayMs: number,
): { from?: number; to?: number } {
  const parse = (name: string) => {
    const raw = ctx.query.get(name);
    if (raw === null || raw === '') return undefined;
    const ms = parseLocalDate(raw.slice(0, 10), offsetHours);
    if (ms === undefined)
      throw new BadRequest('Неверный формат даты', { [name]: ['Ожидается дата YYYY-MM-DD'] });
    return ms;
  };
  const from = parse('start_date');
  const end = parse('end_date');
  return { from, to: end === undefined ? undefined : end + endOfDayMs };
}

function recordsQuery(ctx: RouteContext): TimelineQuery<WireRow, RecordSkeleton> {
  const { company, query } = ctx;
  const window = dayWindow(ctx, company.options.offsetHours, END_OF_DAY_MS);
  const changedAfter = timeParam(ctx, 'changed_after');
  const changedBefore = timeParam(ctx, 'changed_before');
  const createdFrom = dayWindow(
    {
      ...ctx,
      query: new URLSearchParams({
        start_date: query.get('c_start_date') ?? '',
        end_date: query.get('c_end_date') ?? '',
      }),
    },
    company.options.offsetHours,
    END_OF_DAY_MS,
  );
  const clientId = optionalInt(ctx, 'client_id');
  const staffId = optionalInt(ctx, 'staff_id');
  const withDeleted = query.get('with_deleted') === '1' || query.get('with_deleted') === 'true';
  const base: TimelineQuery<WireRow, RecordSkeleton> = {
    ...window,
    deleted: withDeleted ? 'include' : 'exclude',
  };
  const needsScan =
    changedAfter !== undefined ||
    changedBefore !== undefined ||
    createdFrom.from !== undefined ||
    createdFrom.to !== undefined ||
    clientId !== undefined ||
    staffId !== undefined;
  if (!needsScan) return base;
  const clientIdOf = (index: number) => (index < 0 ? undefined : company.clients.table.idOf(index));
  const staffIdOf = (index: number) => company.catalogs.staff.idOf(index);
  const inRange = (t: number, from?: number, to?: number) =>
    (from === undefined || t >= from) && (to === undefined || t <= to);
  return {
    ...base,
    filter: {
      base: (_index, sk) =>
        inRange(sk.lastChange, changedAfter, changedBefore) &&
        inRange(sk.create, createdFrom.from, createdFrom.to) &&
        (clientId === undefined || clientIdOf(sk.clientIndex) === clientId) &&
        (staffId === undefined || staffIdOf(sk.staffIndex) === staffId),
      entry: (e: TimelineEntry<WireRow>) =>
        inRange(parseWireTimestamp(String(e.row.last_change_date)), changedAfter, changedBefore) &&
        inRange(parseWireTimestamp(String(e.row.create_date)), createdFrom.from, createdFrom.to) &&
        (clientId === undefined || (e.row.client as WireRow | null)?.id === clientId) &&
        (staffId === undefined || e.row.staff_id === staffId),
    },
    // base rows change at most a few hours after their visit, and never after the anchor
    scanFrom: changedAfter === undefined ? undefined : changedAfter - RECORD_CHANGE_LAG_MS - MINUTE_MS,
    skipBase: changedAfter !== undefined && changedAfter > company.ctx.anchorMs,
  };
}

export const recordRoutes: Route[] = [
  {
    // Newest visit first; rows at the same time come in a different order on every request.
    method: 'GET',
    template: '/records/{company_id}',
    auth: 'user',
    handle: (ctx) => {
      const page = pageNumber(ctx.query.get('page'));
      const count = pageSize(ctx.query.get('count'), 50, ctx.state.options.limits.records);
      const { rows, total } = ctx.company.records.timeline.page(
        recordsQuery(ctx),
        (page - 1) * count,
        count,
        ctx.state.requestRandom(),
      );
      return ok(rows, { page, total_count: total });
    },
  },
  {
    method: 'POST',
    template: '/records/{company_id}',
    auth: 'user',
    handle: ({ company, body }) => {
      const errors: Record<string, string[]> = {};
      if (body.staff_id === undefined) errors.staff_id = ['Поле обязательно для заполнения'];
      if (body.datetime === undefined) errors.datetime = ['Поле обязательно для заполнения'];
      if (Object.keys(errors).length > 0) return fail(422, 'Ошибка валидации', { errors });
      return ok(company.api.records.insert(body), [], 201);
    },
  },
  {
    method: 'GET',
    template: '/record/{company_id}/{record_id}',
    auth: 'user',
    handle: ({ company, params }) => {
      const row = company.api.records.get(Number(params.record_id));
      return row ? ok(row) : fail(404, 'Запись не найдена');
    },
  },
  {
    method: 'PUT',
    template: '/record/{company_id}/{record_id}',
    auth: 'user',
    handle: ({ company, params, body }) => {
      const id = Number(params.record_id);
      const row = company.api.records.get(id);
      if (!row || row.deleted === true) return fail(404, 'Запись не найдена');
      return ok(company.api.records.update(id, body));
    },
  },
  {
    method: 'DELETE',
    template: '/record/{company_id}/{record_id}',
    auth: 'user',
    handle: ({ company, params }) =>
      company.api.records.delete(Number(params.record_id))
        ? { kind: 'empty', status: 204 }
        : fail(404, 'Запись не найдена'),
  },
];
