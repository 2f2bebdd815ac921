/**
 * Company-local wall time. YClients reads `changed_after` and date filters in the company's own zone
 * (design §9), so cursors are kept as naive local strings next to the zone they belong to.
 */
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
