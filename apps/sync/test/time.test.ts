import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, localDate, localDateTime, minusMinutes } from '../src/time';

describe('company-local time', () => {
  const instant = new Date('2026-03-31T21:30:00Z');
  it('formats an instant on the company clock', () => {
    expect(localDateTime(instant, 'Europe/Moscow')).toBe('2026-04-01T00:30:00');
    expect(localDate(instant, 'Asia/Vladivostok')).toBe('2026-04-01');
    expect(localDate(instant, 'Europe/Kaliningrad')).toBe('2026-03-31');
  });

  it('does calendar arithmetic without a zone', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2024-01-01', '2024-12-31')).toBe(365);
    expect(minusMinutes('2026-01-01T00:30:00', 60)).toBe('2025-12-31T23:30:00');
  });
});
