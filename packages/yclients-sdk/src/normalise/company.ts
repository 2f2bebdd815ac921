import type { Company } from '../types';
import { asRow, requireId } from './row';
import { toNumber, toText } from './values';

/** YClients' own zone: the default when a company states none (every salon is placed in one). */
export const FALLBACK_TIME_ZONE = 'Europe/Moscow';

/**
 * `timezone_name` (DOC-2026) or `timezone` (DOC-APIB; sources: docs/yclients-api.md §0, §1). The old `timezone` may be a bare hour offset
 * (`3`); that becomes the fixed zone `Etc/GMT-3` (POSIX sign: east of Greenwich is negative).
 */
export function normaliseCompany(value: unknown): Company {
  const raw = asRow(value, 'company');
  return {
    id: requireId(raw, 'company'),
    title: toText(raw.title),
    timezone: zoneOf(raw.timezone_name) ?? zoneOf(raw.timezone) ?? FALLBACK_TIME_ZONE,
    raw,
  };
}

function zoneOf(value: unknown): string | null {
  const text = toText(value)?.trim() || null;
  if (text === null) return null;
  const hours = toNumber(text);
  if (hours !== null) {
    if (!Number.isInteger(hours) || Math.abs(hours) > 14) return null;
    return hours === 0 ? 'Etc/GMT' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
  }
  return isTimeZone(text) ? text : null;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
