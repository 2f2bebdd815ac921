/**
 * The request budget shared by every call of one client: at most `rps` sends in any rolling second
 * and `rpm` in any rolling minute. It is proactive (a call waits before it is sent), so a YClients
 * that enforces 5/s and 200/min never has a reason to answer 429 in steady state.
 *
 * A sliding window of send timestamps, not a token bucket: a bucket lets a full burst through at
 * the edge of each refill, which is exactly what a server counting per rolling window punishes.
 * Uses `Date.now()` and `setTimeout`, so vitest fake timers drive it.
 */

export interface BudgetOptions {
  rps: number;
  rpm: number;
  /**
   * Extra width of each window in ms. Network jitter can bunch requests that left on time; a little
   * margin keeps the server's view under its limits too.
   */
  marginMs?: number;
}

export interface BudgetStats {
  /** Requests let through (retries included). */
  sent: number;
  /** How many times a request had to wait. */
  waits: number;
  /** Total time spent waiting, in ms. */
  waitedMs: number;
}

export class RequestBudget {
  private readonly rps: number;
  private readonly rpm: number;
  private readonly secondMs: number;
  private readonly minuteMs: number;
  /** Send times within the last minute (+margin), oldest first. */
  private readonly sends: number[] = [];
  /** Callers queue here so the budget is granted in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  readonly stats: BudgetStats = { sent: 0, waits: 0, waitedMs: 0 };

  constructor(options: BudgetOptions) {
    if (!(options.rps >= 1) || !(options.rpm >= 1)) throw new RangeError('rps and rpm must be at least 1');
    this.rps = Math.floor(options.rps);
    this.rpm = Math.floor(options.rpm);
    const margin = options.marginMs ?? 0;
    this.secondMs = 1000 + margin;
    this.minuteMs = 60_000 + margin;
  }

  /** Resolves when one more request may be sent now; the send is counted at that moment. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot(signal));
    // A rejected (aborted) turn must not block the callers behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    let waited = false;
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const wait = this.delayAt(now);
      if (wait <= 0) {
        this.sends.push(now);
        this.stats.sent += 1;
        if (waited) this.stats.waits += 1;
        return;
      }
      waited = true;
      this.stats.waitedMs += wait;
      await sleep(wait, signal);
    }
  }

  /** How long from `now` until both windows have room (0 = now). */
  private delayAt(now: number): number {
    while (this.sends.length > 0 && this.sends[0]! <= now - this.minuteMs) this.sends.shift();
    let wait = 0;
    if (this.sends.length >= this.rpm) {
      wait = Math.max(wait, this.sends[this.sends.length - this.rpm]! + this.minuteMs - now);
    }
    const inSecond = this.sends.filter((t) => t > now - this.secondMs);
    if (inSecond.length >= this.rps) {
      wait = Math.max(wait, inSecond[inSecond.length - this.rps]! + this.secondMs - now);
    }
    return wait;
  }
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
