/**
 * Company-local wall time. YClients reads date filters in the company's own zone (design §9), so
 * cursors are kept as naive local strings next to the zone they belong to. Which zone it reads a naive
 * `changed_after` in is not documented (yclients-open-questions Q7): `changedSince` is right either way.
 */
import { DEFAULT_SERVER_OFFSET } from '@yclients-pg/sdk';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // sv-SE formats as "YYYY-MM-DD HH:MM:SS", which is what we need.
    f = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** `YYYY-MM-DDTHH:MM:SS` of `instant` on the company's clock. */
export function localDateTime(instant: Date, timeZone: string): string {
  return formatter(timeZone).format(instant).replace(' ', 'T');
}

/** `YYYY-MM-DD` of `instant` on the company's clock. */
export function localDate(instant: Date, timeZone: string): string {
  return localDateTime(instant, timeZone).slice(0, 10);
}

/** Calendar arithmetic on `YYYY-MM-DD` (no zone involved). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Shifts a naive local `YYYY-MM-DDTHH:MM:SS` back by `minutes` (wall-clock arithmetic). */
export function minusMinutes(naive: string, minutes: number): string {
  const d = new Date(`${naive}Z`);
  d.setUTCMinutes(d.getUTCMinutes() - minutes);
  return d.toISOString().slice(0, 19);
}

/** Minutes east of UTC of `timeZone` at `instant` (e.g. 420 for Asia/Novosibirsk). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const naive = localDateTime(instant, timeZone);
  const wall = Date.parse(`${naive}Z`);
  return Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** `+04:00` → 240. */
function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The `changed_after` to send for a cursor kept in company-local time: the cursor minus the overlap, and
 * minus how far the company's clock is ahead of YClients' server clock (design §9 fine print). If the
 * server reads the naive value in its own zone, a salon east of it (Novosibirsk +07:00 against +04:00)
 * would otherwise ask for changes from hours in the future and miss them; read in the company's zone,
 * the extra hours are only more overlap (rows are de-duplicated by id).
 */
export function changedSince(
  cursor: string,
  timeZone: string,
  overlapMinutes: number,
  serverOffset = DEFAULT_SERVER_OFFSET,
): string {
  const instant = new Date(`${cursor}Z`); // the cursor's wall time; the offset barely moves within hours
  const ahead = zoneOffsetMinutes(instant, timeZone) - offsetMinutes(serverOffset);
  return minusMinutes(cursor, overlapMinutes + Math.max(0, ahead));
}
