import type { ResolvedCompany } from '../options';
import { isoNoColon, parseWireTimestamp, ZERO_DATETIME } from '../time';
import { type Catalogs, createCatalogs } from './catalogs';
import { type Clients, createClients } from './clients';
import type { IdTable } from './id-table';
import { createRecords, type Records } from './records';
import type { Timeline, TimelineEntry } from './timeline';
import { createTransactions, type Transactions } from './transactions';
import type { CompanyContext, WireRow } from './wire';

/** Read and change one entity of one company, in wire form. */
export interface EntityApi {
  /** Adds a row; missing fields are filled in plausibly. Returns it as the API would send it. */
  insert(fields?: Record<string, unknown>): WireRow;
  /** Changes fields of a live row (and bumps its `last_change_date` where it has one). Throws if unknown. */
  update(id: number, patch: Record<string, unknown>): WireRow;
  /** Deletes a row: clients, staff, services, positions, categories and accounts vanish; records get
   * `deleted: true`; transactions move to the `deleted=1` list; labels get `deleted: 1`. */
  delete(id: number): boolean;
  /**
   * Removes a row from every answer with no deleted flag and no new `last_change_date`, as a hard delete
   * upstream would: nothing a `changed_after` read can see (design §9: found only by comparing counts).
   */
  vanish(id: number): boolean;
  get(id: number): WireRow | undefined;
  /** Every live row in wire form, computed one at a time (records/transactions: deleted ones only with `withDeleted`). */
  list(options?: { withDeleted?: boolean }): IterableIterator<WireRow>;
  /** live rows (records/transactions: not deleted) */
  count(): number;
}

export interface CompanyData {
  options: ResolvedCompany;
  ctx: CompanyContext;
  catalogs: Catalogs;
  clients: Clients;
  records: Records;
  transactions: Transactions;
  api: {
    clients: EntityApi;
    records: EntityApi;
    transactions: EntityApi;
    staff: EntityApi;
    services: EntityApi;
    labels: EntityApi;
    positions: EntityApi;
    serviceCategories: EntityApi;
    accounts: EntityApi;
  };
  /** the company card (`GET /company/{id}`) */
  card(): WireRow;
  mutationCount(): number;
  reset(): void;
}

export class NotFoundError extends Error {
  constructor(
    readonly entity: string,
    readonly id: number,
  ) {
    super(`${entity} ${id} not found`);
  }
}

export function createCompanyData(ctx: CompanyContext, now: () => number): CompanyData {
  const company = ctx.company;
  const catalogs = createCatalogs(ctx);
  const clients = createClients(ctx, catalogs);
  const records = createRecords(ctx, catalogs, clients);
  const transactions = createTransactions(ctx, catalogs, records);
  const resets: (() => void)[] = [];

  const idCounter = (first: number) => {
    let next = first;
    resets.push(() => {
      next = first;
    });
    return () => next++;
  };

  const tableApi = (
    name: string,
    table: IdTable<WireRow>,
    template: () => WireRow,
    options: {
      stampChange?: boolean;
      softDelete?: (row: WireRow) => WireRow;
      normalise?: (row: WireRow) => WireRow;
    } = {},
  ): EntityApi => {
    const nextId = idCounter(table.idOf(table.baseCount) + 1);
    const stamp = (row: WireRow) =>
      options.stampChange ? { ...row, last_change_date: isoNoColon(now(), company.offsetHours) } : row;
    const normalise = options.normalise ?? ((row: WireRow) => row);
    resets.push(() => table.reset());
    return {
      insert(fields = {}) {
        const id = nextId();
        return table.insert(normalise(stamp({ ...template(), ...fields, id })));
      },
      update(id, patch) {
        const current = table.get(id);
        if (!current) throw new NotFoundError(name, id);
        return table.replace(id, normalise(stamp({ ...current, ...patch, id })))!;
      },
      delete(id) {
        if (options.softDelete) {
          const current = table.get(id);
          if (!current) return false;
          table.replace(id, options.softDelete(current));
          return true;
        }
        return table.delete(id);
      },
      vanish: (id) => table.delete(id),
      get: (id) => table.get(id),
      list: () => table.rows(),
      count: () => table.size(),
    };
  };

  const labelsOf = (value: unknown): WireRow[] =>
    Array.isArray(value)
      ? value.map((v) => {
          const id = typeof v === 'number' ? v : Number((v as WireRow).id);
          const label = catalogs.labels.lookup(id);
          return { id, title: label?.title ?? '', color: label?.color ?? '#000000' };
        })
      : [];

  const timelineApi = (
    name: string,
    timeline: Timeline<WireRow, unknown>,
    compose: (
      fields: Record<string, unknown>,
      id: number,
      previous: WireRow | undefined,
      nowMs: number,
    ) => WireRow,
    timeField: 'datetime' | 'date',
    deletedOnRow: boolean,
  ): EntityApi => {
    const nextId = idCounter(timeline.spec.idOf(timeline.spec.baseCount) + 1);
    /** `previous`: a row whose time reads as the zero date keeps the place of its previous version */
    const entry = (
      row: WireRow,
      deleted: boolean,
      previous?: TimelineEntry<WireRow>,
    ): TimelineEntry<WireRow> => ({
      row,
      time:
        row[timeField] === ZERO_DATETIME
          ? (previous?.time ?? now())
          : parseWireTimestamp(String(row[timeField])),
      deleted,
    });
    resets.push(() => timeline.reset());
    return {
      insert(fields = {}) {
        const row = compose(fields, nextId(), undefined, now());
        timeline.insert(entry(row, deletedOnRow && row.deleted === true));
        return row;
      },
      update(id, patch) {
        const current = timeline.get(id);
        if (!current) throw new NotFoundError(name, id);
        const row = compose(patch, id, current.row, now());
        const deleted = deletedOnRow && 'deleted' in patch ? row.deleted === true : current.deleted;
        timeline.put(entry(row, deleted, current));
        return row;
      },
      delete(id) {
        const current = timeline.get(id);
        if (!current || current.deleted) return false;
        const row = compose(deletedOnRow ? { deleted: true } : {}, id, current.row, now());
        timeline.put(entry(row, true, current));
        return true;
      },
      vanish(id) {
        const current = timeline.get(id);
        if (!current || current.deleted) return false;
        timeline.put({ ...current, deleted: true, gone: true });
        return true;
      },
      get: (id) => timeline.get(id)?.row,
      *list(options = {}) {
        for (const e of timeline.entries()) if (!e.gone && (options.withDeleted || !e.deleted)) yield e.row;
      },
      count() {
        return timeline.page({ deleted: 'exclude' }, 0, 0).total;
      },
    };
  };

  const api: CompanyData['api'] = {
    clients: tableApi('client', clients.table, () => clients.table.original(0), {
      stampChange: true,
      normalise: (row) => ({ ...row, categories: labelsOf(row.categories) }),
    }),
    records: timelineApi('record', records.timeline, records.compose, 'datetime', true),
    transactions: timelineApi('transaction', transactions.timeline, transactions.compose, 'date', false),
    staff: tableApi('staff', catalogs.staff, () => catalogs.staff.original(0)),
    services: tableApi('service', catalogs.services, () => catalogs.services.original(0)),
    labels: tableApi('label', catalogs.labels, () => catalogs.labels.original(0), {
      softDelete: (row) => ({ ...row, deleted: 1 }),
    }),
    positions: tableApi('position', catalogs.positions, () => catalogs.positions.original(0)),
    serviceCategories: tableApi('service category', catalogs.serviceCategories, () =>
      catalogs.serviceCategories.original(0),
    ),
    accounts: tableApi('account', catalogs.accounts, () => catalogs.accounts.original(0)),
  };

  const tables = [
    catalogs.positions,
    catalogs.staff,
    catalogs.serviceCategories,
    catalogs.services,
    catalogs.labels,
    catalogs.accounts,
    clients.table,
  ];
  return {
    options: company,
    ctx,
    catalogs,
    clients,
    records,
    transactions,
    api,
    card: () => ({
      id: company.id,
      title: company.title,
      public_title: company.title,
      short_descr: 'Салон красоты',
      country_id: 1,
      country: 'Россия',
      city_id: 2,
      city: 'Москва',
      timezone: company.offsetHours,
      timezone_name: company.timezoneName,
      address: 'ул. Тверская, 1',
      coordinate_lat: 55.757,
      coordinate_lon: 37.614,
      phone: '+74950000000',
      phones: [],
      site: '',
      currency_short_title: 'р.',
      active: 1,
      main_group_id: 1000 + company.ordinal,
      schedule: 'Пн-Вс 09:00-24:00',
    }),
    mutationCount: () =>
      tables.reduce((s, t) => s + t.mutationCount(), 0) +
      records.timeline.mutationCount() +
      transactions.timeline.mutationCount(),
    reset: () => {
      for (const r of resets) r();
    },
  };
}
