/**
 * Child process: the YClients simulator as an HTTP server, in its own process so that its CPU and memory are
 * not counted against the sync (and the sync's RSS is its own). Started by sync-suites.ts with the data set
 * in BENCH_SIMULATOR (JSON). Prints one line `READY {url, partnerToken, userToken}` when listening, and
 * answers an IPC `stats` message with what its HTTP server saw: requests per list endpoint and per status.
 *
 * The counts come from the simulator's own request log (`fake.requests`: method, path, status per request).
 */

export interface SimulatorConfig {
  seed: number;
  companyId: number;
  clients: number;
  records: number;
  transactions: number;
  /** false: YClients' limits (5/s, 200/min) enforced; true: raised so a 1M-record sync takes minutes. */
  raiseLimits: boolean;
}

export interface SimulatorStats {
  byList: Record<string, number>;
  byStatus: Record<string, number>;
  total: number;
  /** wall-clock ms of the first and last request counted (0 when none) */
  firstAt: number;
  lastAt: number;
  /** the most requests in any rolling second and any rolling minute */
  busiestSecond: number;
  busiestMinute: number;
  /** each 429 as "path +ms after the first request" (to tell a start-up collision from steady state) */
  throttled: string[];
}

/** The most timestamps (sorted ascending) inside any window of `ms`. */
export function busiestWindow(times: readonly number[], ms: number): number {
  let best = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** The simulator's surface as the sync's demo and the e2e harness use it (packages/yclients-fake). */
interface FakeModule {
  createYclientsFake(options: Record<string, unknown>): {
    listen(): Promise<{ url: string; close(): Promise<void> }>;
    credentials: { partnerToken: string; userToken: string };
    readonly requests: ReadonlyArray<{ method: string; path: string; status: number; at: number }>;
  };
}

/** Which list an API path belongs to (the ones whose page counts the suite checks), else 'other'. */
export function listOf(method: string, url: string): string {
  const path = url.split('?')[0] ?? '';
  if (/\/clients\/search$/.test(path) || (method === 'GET' && /\/clients\/\d+\/?$/.test(path)))
    return 'clients';
  if (/\/records\/\d+\/?$/.test(path)) return 'records';
  if (/\/transactions\/\d+\/?$/.test(path) || /finance_transactions/.test(path)) return 'transactions';
  return 'other';
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_SIMULATOR ?? '{}') as SimulatorConfig;
  const fakeModule = (await import('@yclients-pg/yclients-fake')) as unknown as FakeModule;
  const fake = fakeModule.createYclientsFake({
    seed: config.seed,
    companies: [
      {
        id: config.companyId,
        title: 'Салон «Бенчмарк»',
        clients: config.clients,
        records: config.records,
        transactions: config.transactions,
      },
    ],
    // Raised only for the 1M-record memory run (the README says so); otherwise YClients' own limits.
    ...(config.raiseLimits
      ? {
          rateLimit: { perSecond: 1000, perMinute: 100_000 },
          searchRateLimit: { perSecond: 1000, perMinute: 100_000 },
        }
      : {}),
  });
  const listening = await fake.listen();
  let from = 0;
  const stats = (): SimulatorStats => {
    const counted = fake.requests.slice(from);
    const times = counted.map((r) => r.at).sort((a, b) => a - b);
    const out: SimulatorStats = {
      byList: {},
      byStatus: {},
      total: 0,
      firstAt: times[0] ?? 0,
      lastAt: times.at(-1) ?? 0,
      busiestSecond: busiestWindow(times, 1000),
      busiestMinute: busiestWindow(times, 60_000),
      throttled: counted
        .filter((r) => r.status === 429)
        .map((r) => `${r.path} +${r.at - (times[0] ?? r.at)}ms`),
    };
    for (const r of counted) {
      const list = listOf(r.method, r.path);
      out.total++;
      out.byList[list] = (out.byList[list] ?? 0) + 1;
      out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + 1;
    }
    return out;
  };
  process.on('message', (message) => {
    if (message === 'stats') process.send?.({ stats: stats(), counted: true });
    if (message === 'reset') from = fake.requests.length;
  });
  process.on('SIGTERM', () => {
    listening.close().finally(() => process.exit(0));
  });
  console.log(
    `READY ${JSON.stringify({ url: listening.url, partnerToken: fake.credentials.partnerToken, userToken: fake.credentials.userToken })}`,
  );
}

if (process.env.BENCH_SIMULATOR) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
