/**
 * Scalar coercions for YClients' wire values (yclients-api.md §11): numbers as strings, 0/1 flags,
 * `[]` for an empty object, three timestamp formats, `""`/`0`/`1970-01-01` for an unknown date.
 * Every helper returns `null` for "unknown / empty", never `""`, `0` or `[]`.
 */

/** Options every row normaliser takes: the zones that naive timestamps are read in. */
export interface NormaliseOptions {
  /** IANA zone of the company (GET /company/{id} → timezone_name); record `date` and friends are local to it. */
  companyTimeZone?: string;
  /** Offset of YClients' server clock; naive finance timestamps use it (yclients-open-questions Q7). */
  serverOffset?: string;
}

export const DEFAULT_SERVER_OFFSET = '+04:00';

const NULL_WORDS = new Set(['', 'null', 'undefined']);

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const s = value.trim().replace(',', '.');
    if (NULL_WORDS.has(s.toLowerCase())) return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toInt(value: unknown): number | null {
  const n = toNumber(value);
  return n === null ? null : Math.trunc(n);
}

/**
 * A reference to another row: a positive safe integer; `0`, `""` and `[]` (the wire's "none") become
 * null, and so does a fraction or anything past 2^53-1 (never a truncated or rounded id).
 */
export function toId(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 0 ? false : value === 1 ? true : null;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (s === '1' || s === 'true') return true;
    if (s === '0' || s === 'false') return false;
  }
  return null;
}

/**
 * Free text exactly as sent: `""`, whitespace, `"null"` and `"NULL"` are text (a client may be called
 * that). Only JSON `null`, a missing key and YClients' `[]` / `{}` for "no value" are null; numbers
 * (phones, api ids sent as numbers) become their decimal text.
 */
export function toText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  return typeof value === 'string' ? value : null;
}

/** A code-like value (a colour, a zone, a phone): its text trimmed, and null when blank. */
function codeOf(value: unknown): string | null {
  return toText(value)?.trim() || null;
}

/** A non-empty JSON object, else null (`[]` is how YClients spells an empty object). */
export function objectOrNull(value: unknown): Record<string, unknown> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.keys(value).length > 0 ? (value as Record<string, unknown>) : null;
}

/** An array, or `[]` for anything else (a missing list is an empty list). */
export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `#RRGGBB`; YClients sends label colours with and without `#` (yclients-api.md §11.12). */
export function toColor(value: unknown): string | null {
  const s = codeOf(value);
  if (s === null) return null;
  return /^[0-9a-f]{3}([0-9a-f]{3})?$/i.test(s) ? `#${s}` : s;
}

const UNKNOWN_DATES = new Set(['0', '0000-00-00', '1970-01-01']);

/** `YYYY-MM-DD`, or null for `""`, `0`, `"0000-00-00"`, `"1970-01-01"` and anything unparsable. */
export function toDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
  if (!m) return null;
  const date = m[0];
  if (UNKNOWN_DATES.has(date)) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d
    ? date
    : null;
}

/** Unix seconds of 10000-01-01: later instants have no four-digit year (and `1e300` no Date at all). */
const YEAR_10000_SECONDS = 253_402_300_800;

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 timestamp with an offset (`2024-05-01T10:00:00+03:00`), or null.
 * Reads `+03:00`, `+0300`, `+03`, `Z`, `.000` millis and naive `YYYY-MM-DD HH:MM:SS`. A naive value
 * is read in `zone` (an offset like `+04:00` or an IANA zone); without a zone it cannot be placed in
 * time, so it is null. Numbers are Unix seconds (loyalty documents).
 */
export function toTimestamp(value: unknown, zone?: string): string | null {
  if (typeof value === 'number') {
    return value > 0 && value < YEAR_10000_SECONDS ? formatInstant(value * 1000, '+00:00') : null;
  }
  if (typeof value !== 'string') return null;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac, tz] = m;
  if (y === '0000' || Number(mo) === 0 || Number(d) === 0) return null;
  const fraction = frac ? Number(`0.${frac}`) : 0;
  const localMs =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss)) +
    Math.round(fraction * 1000);
  if (Number.isNaN(localMs)) return null;
  let offset: string;
  if (tz) offset = normaliseOffset(tz);
  else if (zone && /^[+-]\d{2}:?\d{2}$|^Z$/i.test(zone)) offset = normaliseOffset(zone);
  else if (zone) offset = offsetInZone(localMs, zone);
  else return null;
  return formatLocal(localMs, offset);
}

/** A timestamp without an offset: readable only in some zone (`"2024-05-01 10:00:00"`). */
export function isNaive(value: unknown): boolean {
  return typeof value === 'string' && toTimestamp(value) === null && toTimestamp(value, '+00:00') !== null;
}

function normaliseOffset(tz: string): string {
  if (tz.toUpperCase() === 'Z') return '+00:00';
  const digits = tz.slice(1).replace(':', '');
  return `${tz[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** Wall-clock ms (as if UTC) plus an offset → `YYYY-MM-DDTHH:MM:SS[.mmm]±HH:MM`. */
function formatLocal(localMs: number, offset: string): string {
  const iso = new Date(localMs).toISOString(); // wall clock in the given offset
  const base = iso.slice(0, 19);
  const millis = iso.slice(19, 23);
  return `${base}${millis === '.000' ? '' : millis}${offset}`;
}

function formatInstant(utcMs: number, offset: string): string {
  return formatLocal(utcMs + offsetMinutes(offset) * 60_000, offset);
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at a UTC instant. */
function zoneOffsetAt(utcMs: number, timeZone: string): number {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** The offset (`+03:00`) a wall-clock time has in an IANA zone (the earlier one in a DST overlap). */
function offsetInZone(localMs: number, timeZone: string): string {
  const first = zoneOffsetAt(localMs, timeZone);
  const second = zoneOffsetAt(localMs - first * 60_000, timeZone);
  const minutes = first === second ? first : Math.max(first, second);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A phone as `+` and digits (design.md §9): Russian numbers (`8…`/`7…` with 11 digits, or bare ten
 * digits) become `+7` and ten digits; other numbers of 11–15 digits become `+` and digits; anything
 * else (masked, with letters, too short) is kept as given. Empty is null.
 */
export function normalisePhone(value: unknown): string | null {
  const given = toText(value);
  const s = given?.trim();
  if (!given || !s) return null;
  if (!/^\+?[\d\s()\-.]+$/.test(s)) return given;
  const digits = s.replace(/\D/g, '');
  if (digits.length === 10 && !s.startsWith('+')) return `+7${digits}`;
  const russianTrunk = digits.startsWith('7') || (digits.startsWith('8') && !s.startsWith('+'));
  if (digits.length === 11 && russianTrunk) return `+7${digits.slice(1)}`;
  if (digits.length >= 11 && digits.length <= 15) return `+${digits}`;
  return given;
}
