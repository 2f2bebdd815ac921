/**
 * YClients' documented limit: 5 requests a second and 200 a minute per IP, as rolling windows. Only
 * admitted requests count, so a client that backs off gets through again.
 */
export interface LimiterSettings {
  perSecond: number;
  perMinute: number;
  now: () => number;
}

export class RateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly settings: LimiterSettings) {}

  /** Admits and records the request, or returns the seconds until it would be admitted. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.settings.now();
    const times = (this.seen.get(key) ?? []).filter((t) => t > now - 60_000);
    const lastSecond = times.filter((t) => t > now - 1_000);
    if (lastSecond.length >= this.settings.perSecond) {
      this.seen.set(key, times);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((lastSecond[0]! + 1_000 - now) / 1000)) };
    }
    if (times.length >= this.settings.perMinute) {
      this.seen.set(key, times);
      const oldest = times[times.length - this.settings.perMinute]!;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)) };
    }
    times.push(now);
    this.seen.set(key, times);
    return { ok: true };
  }

  reset(): void {
    this.seen.clear();
  }
}
