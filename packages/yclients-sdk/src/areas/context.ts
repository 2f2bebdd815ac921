/**
 * What every area of the client (catalogs, clients, records, transactions, writes) shares: the typed
 * openapi-fetch client, the zones naive times are read in, and the few steps that turn an answer into
 * normalised rows. The areas call `api.GET('/path', { params })` themselves, so every path, parameter
 * and body is checked against the generated `paths`; the answer's rows are then checked for real by the
 * normalisers (the wire types only admit what YClients sends).
 */
import type { Client as FetchClient } from 'openapi-fetch';
import { YclientsError } from '../errors';
import type { paths } from '../generated/schema';
import { normaliseRows } from '../normalise/rows';
import { noRepairs, sanitiseWire } from '../normalise/sanitise';
import { type ListResult, totalOf } from '../pages';

/** The openapi-fetch client over the described paths. */
export type Api = FetchClient<paths, `${string}/${string}`>;

export interface AreaContext {
  api: Api;
  /** Offset of YClients' server clock, for naive finance timestamps. */
  serverOffset: string;
  /**
   * The zone naive company-local times are read in: `given` when the caller passed one, else (only when
   * `needed`, i.e. an answer holds such a time) the company's own, looked up once per company.
   */
  zoneFor(companyId: number, given: string | undefined, needed: boolean): Promise<string | undefined>;
}

/** The rows and `meta` of a list answer: the `{success, data, meta}` envelope, or a bare array (labels). */
export function listAnswer(data: { data?: unknown; meta?: unknown } | unknown[] | undefined): {
  rows: readonly unknown[];
  meta: unknown;
} {
  if (Array.isArray(data)) return { rows: data, meta: undefined };
  return { rows: Array.isArray(data?.data) ? data.data : [], meta: data?.meta };
}

/**
 * The one row of a single answer. YClients gives some of them as an array holding the row (`POST
 * /records`, `GET /finance_transactions/{id}`: DOC-2026), others as the object; both are read, and an
 * empty array is no row.
 */
export function oneRow(data: { data?: unknown } | undefined): unknown {
  const value = data?.data;
  return Array.isArray(value) ? value[0] : value;
}

/** A single answer's row, or `invalid_row` saying what the request did (a write has happened). */
export function requireRow(data: { data?: unknown } | undefined, what: string): unknown {
  const row = oneRow(data);
  if (row === undefined || row === null)
    throw new YclientsError('invalid_row', `${what}: the answer holds no row`);
  return row;
}

/** Wire rows sanitised and normalised one by one; the rows the normaliser refuses are set aside. */
export function listOf<Row>(wire: readonly unknown[], normalise: (raw: unknown) => Row): ListResult<Row> {
  const repairs = noRepairs();
  return { ...normaliseRows(wire, normalise, repairs), repairs };
}

/** A single answer (a company, a written row) is sanitised too, but a bad one still throws. */
export function sanitiseOne(value: unknown): unknown {
  return sanitiseWire(value, noRepairs());
}

/**
 * A page total for the stop rule. When `meta` has none, assume one more page exists after a full page
 * (the next, empty page then ends the scan) rather than stopping early and losing rows. `rows` counts
 * the wire rows, rejected ones included.
 */
export function totalFor(meta: unknown, page: number, count: number, rows: number): number {
  return totalOf(meta) ?? (page - 1) * count + rows + (rows >= count ? 1 : 0);
}
