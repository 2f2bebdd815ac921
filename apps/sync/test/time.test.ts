import { describe, expect, it } from 'vitest';
import {
  addDays,
  changedSince,
  daysBetween,
  localDate,
  localDateTime,
  minusMinutes,
  zoneOffsetMinutes,
} from '../src/time';

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

describe('changed_after under either reading of its zone', () => {
  it("subtracts how far the company's clock is ahead of the server's (+04:00), and the overlap", () => {
    expect(zoneOffsetMinutes(new Date('2026-06-01T00:00:00Z'), 'Asia/Novosibirsk')).toBe(420);
    expect(zoneOffsetMinutes(new Date('2026-06-01T00:00:00Z'), 'Europe/Kaliningrad')).toBe(120);
    // Novosibirsk is 3 hours ahead of the server: 60 minutes overlap + 180
    expect(changedSince('2026-06-01T12:00:00', 'Asia/Novosibirsk', 60)).toBe('2026-06-01T08:00:00');
    expect(changedSince('2026-06-01T12:00:00', 'Asia/Kamchatka', 60)).toBe('2026-06-01T03:00:00');
    // at or west of the server: the overlap only
    expect(changedSince('2026-06-01T12:00:00', 'Europe/Samara', 60)).toBe('2026-06-01T11:00:00');
    expect(changedSince('2026-06-01T12:00:00', 'Europe/Moscow', 90)).toBe('2026-06-01T10:30:00');
  });
});
