import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createYclientsClient } from '../src';
import { RequestBudget } from '../src/budget';

/** The largest number of timestamps inside any half-open window [t, t+width). */
function maxInWindow(times: number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('request budget (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('1,000 calls: no rolling second over 5 sends, no rolling minute over 200', async () => {
    const budget = new RequestBudget({ rps: 5, rpm: 200 });
    const sent: number[] = [];
    const all = Array.from({ length: 1000 }, () => budget.acquire().then(() => sent.push(Date.now())));
    await vi.runAllTimersAsync();
    await Promise.all(all);
    expect(sent).toHaveLength(1000);
    expect(maxInWindow(sent, 1000)).toBe(5);
    expect(maxInWindow(sent, 60_000)).toBe(200);
    expect(budget.stats.sent).toBe(1000);
    expect(budget.stats.waits).toBeGreaterThan(0);
    // Using the budget fully: 1,000 sends at 200 a minute need just under five minutes, not more.
    expect(sent.at(-1)! - sent[0]!).toBeLessThan(5 * 60_000);
  });

  it('requests of one client share one budget, retries included', async () => {
    const sent: number[] = [];
    let n = 0;
    const fetch = async () => {
      sent.push(Date.now());
      n += 1;
      // the first 30 answers are 503s, so retries go through the budget too
      return n <= 30
        ? new Response(null, { status: 503 })
        : new Response(JSON.stringify({ success: true, data: [], meta: [] }), { status: 200 });
    };
    const yc = createYclientsClient({
      partnerToken: 'p',
      userToken: 'u',
      baseUrl: 'https://x.test/api/v1',
      fetch,
      retryBaseMs: 1,
      retryMaxMs: 5,
    });
    const calls = Array.from({ length: 300 }, (_, i) => (i % 2 ? yc.accounts(1) : yc.positions(1)));
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(sent.length).toBe(330);
    expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(5);
    expect(maxInWindow(sent, 60_000)).toBeLessThanOrEqual(200);
    expect(yc.budget.sent).toBe(sent.length);
  });

  it('an idle client sends at once', async () => {
    const budget = new RequestBudget({ rps: 5, rpm: 200 });
    await budget.acquire();
    expect(budget.stats).toEqual({ sent: 1, waits: 0, waitedMs: 0 });
  });

  it('an aborted wait does not block the queue', async () => {
    const budget = new RequestBudget({ rps: 1, rpm: 100 });
    await budget.acquire();
    const controller = new AbortController();
    const aborted = budget.acquire(controller.signal);
    const next = budget.acquire();
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await vi.runAllTimersAsync();
    await next;
    expect(budget.stats.sent).toBe(2);
  });
});
