import { parseDateTime, SERVER_OFFSET_HOURS } from '../time';
import type { RouteContext } from './context';

/** A positive integer query value, or the default when absent or not a number. */
export function intParam(value: string | null | undefined, fallback: number): number {
  if (value === null || value === undefined || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/** Page size: default when absent or < 1, clamped (silently) to the endpoint's maximum. */
export function pageSize(value: unknown, fallback: number, max: number): number {
  const n = intParam(value === undefined || value === null ? undefined : String(value), fallback);
  return Math.min(n < 1 ? fallback : n, max);
}

/** 1-based page; anything below 1 reads as 1. */
export function pageNumber(value: unknown): number {
  return Math.max(1, intParam(value === undefined || value === null ? undefined : String(value), 1));
}

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly errors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/** `changed_after`-style values: naive ones read in the company's zone (or the server's, if so configured). */
export function timeParam(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  const naive =
    ctx.state.options.naiveTimeZone === 'server' ? SERVER_OFFSET_HOURS : ctx.company.options.offsetHours;
  const ms = parseDateTime(raw, naive);
  if (ms === undefined)
    throw new BadRequest('Неверный формат даты', { [name]: [`Неверный формат даты: ${raw}`] });
  return ms;
}

export function optionalInt(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw new BadRequest(`Некорректное значение ${name}`, { [name]: ['Должно быть числом'] });
  return n;
}
