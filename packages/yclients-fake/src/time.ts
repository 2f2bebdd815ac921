/**
 * Time zones and the several date formats YClients mixes on the wire. The zones the simulator offers
 * have had no daylight saving since 2014, so a fixed offset per zone is exact and needs no tz database.
 */
export const ZONE_OFFSETS: Readonly<Record<string, number>> = {
  'Europe/Kaliningrad': 2,
  'Europe/Moscow': 3,
  'Europe/Samara': 4,
  'Asia/Yekaterinburg': 5,
  'Asia/Omsk': 6,
  'Asia/Novosibirsk': 7,
  'Asia/Krasnoyarsk': 7,
  'Asia/Irkutsk': 8,
  'Asia/Vladivostok': 10,
};

/** Finance timestamps come in the server's zone, not the company's (open questions Q7). */
export const SERVER_OFFSET_HOURS = 4;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parts(ms: number, offsetHours: number) {
  const d = new Date(ms + offsetHours * HOUR_MS);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

function offsetText(offsetHours: number, colon: boolean): string {
  const sign = offsetHours < 0 ? '-' : '+';
  const abs = Math.abs(offsetHours);
  const h = pad(Math.floor(abs));
  const m = pad(Math.round((abs % 1) * 60));
  return `${sign}${h}${colon ? ':' : ''}${m}`;
}

/** `2024-05-01T10:00:00+03:00`: record `datetime`. */
export function isoWithColon(ms: number, offsetHours: number): string {
  const p = parts(ms, offsetHours);
  return `${p.date}T${p.time}${offsetText(offsetHours, true)}`;
}

/** `2024-05-01T10:00:00+0300`: `create_date`, `last_change_date`, transaction `date`. */
export function isoNoColon(ms: number, offsetHours: number): string {
  const p = parts(ms, offsetHours);
  return `${p.date}T${p.time}${offsetText(offsetHours, false)}`;
}

/** `2024-05-01 10:00:00`: naive local time (record `date`, documents). */
export function naiveLocal(ms: number, offsetHours: number): string {
  const p = parts(ms, offsetHours);
  return `${p.date} ${p.time}`;
}

/** `2024-05-01` in the given zone. */
export function localDate(ms: number, offsetHours: number): string {
  return parts(ms, offsetHours).date;
}

/** The instant of local midnight of the day that contains `ms` in the given zone. */
export function localMidnight(ms: number, offsetHours: number): number {
  const shifted = ms + offsetHours * HOUR_MS;
  return shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - offsetHours * HOUR_MS;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Local midnight of a `YYYY-MM-DD` date in the given zone, or undefined when the text is not a date. */
export function parseLocalDate(text: string, offsetHours: number): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? undefined : ms - offsetHours * HOUR_MS;
}

/**
 * A `changed_after`-style value: naive (read in `naiveOffsetHours`), with an offset (`+03:00`, `+0300`,
 * `Z`), or a bare date (midnight). Undefined when unparseable.
 */
export function parseDateTime(text: string, naiveOffsetHours: number): number | undefined {
  const dateOnly = parseLocalDate(text, naiveOffsetHours);
  if (dateOnly !== undefined) return dateOnly;
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const base = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
  if (Number.isNaN(base)) return undefined;
  const zone = m[7];
  if (zone === undefined) return base - naiveOffsetHours * HOUR_MS;
  if (zone === 'Z') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
  return base - sign * offsetMinutes * MINUTE_MS;
}

/** Parses the `+0300` / `+03:00` timestamps the simulator itself writes. */
export function parseWireTimestamp(text: string): number {
  const ms = parseDateTime(text, 0);
  if (ms === undefined) throw new Error(`not a timestamp: ${text}`);
  return ms;
}

/** MySQL's zero date: what a broken upstream row carries instead of a time. */
export const ZERO_DATETIME = '0000-00-00 00:00:00';
