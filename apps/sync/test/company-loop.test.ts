/**
 * One run over the companies (engine/company-loop.ts) on its own (issue 19, surviving mutants): the run
 * log it opens and closes, the API client it builds, the login, a company refused or unreadable, the
 * entities in order, and the requests it counts. The end-to-end suites run it whole against the
 * simulator (sync.test.ts, paths.test.ts); here the SDK, the run log and the entity step answer what
 * the test says, and every call is counted.
 */
import { YclientsAuthError } from '@yclients-pg/sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor } from '../src/cli/exit-codes';
import type { SyncOptions } from '../src/commands/sync';
import type { SyncConfig } from '../src/config';
import { syncCompanies } from '../src/engine/company-loop';
import type { EntitySummary } from '../src/engine/summary';
import { CredentialsRefusedError, PartialSyncError } from '../src/errors';
import type { Logger } from '../src/log/logger';

const sdk = vi.hoisted(() => ({ createYclientsClient: vi.fn() }));
vi.mock('@yclients-pg/sdk', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sdk')>()),
  ...sdk,
}));
const sql = vi.hoisted(() => ({ openRun: vi.fn(), abandonDeadRuns: vi.fn(), closeRun: vi.fn() }));
vi.mock('@yclients-pg/sql', async (original) => ({
  ...(await original<typeof import('@yclients-pg/sql')>()),
  ...sql,
}));
const step = vi.hoisted(() => ({ syncEntity: vi.fn() }));
vi.mock('../src/engine/entity-step', () => step);

const refused = () => new YclientsAuthError({ method: 'GET', path: '/company/{company_id}', status: 403 });

const baseConfig = {
  partnerToken: 'partner',
  userToken: 'user',
  baseUrl: 'https://api.example/api/v1',
  rps: 5,
  rpm: 200,
  httpTimeoutMs: 30_000,
  maxResponseMb: 3,
  clockSpeed: 1,
} as unknown as SyncConfig;

type Line = { level: string; event: string; fields?: Record<string, unknown> };

function harness(opts: {
  config?: Partial<SyncConfig>;
  options?: Partial<SyncOptions & { companyIds: number[] }>;
  companies?: Record<number, string | Error>;
  entityStatus?: (companyId: number, entity: string) => EntitySummary['status'];
  authenticate?: () => Promise<void>;
}) {
  const lines: Line[] = [];
  const log: Logger = {
    debug: (event, fields) => lines.push({ level: 'debug', event, fields }),
    info: (event, fields) => lines.push({ level: 'info', event, fields }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields) => lines.push({ level: 'error', event, fields }),
    child: () => log,
    print: () => {},
    json: true,
  };
  const companies = opts.companies ?? { 101: 'Europe/Moscow' };
  const authenticate = vi.fn(opts.authenticate ?? (async () => {}));
  let hooks: { onResponse: (info: object) => void } | undefined;
  const company = vi.fn(async (id: number) => {
    hooks?.onResponse({ method: 'GET', path: '/company/{company_id}', status: 200, ms: 5, attempt: 1 });
    const zone = companies[id];
    if (zone instanceof Error) throw zone;
    return { timezone: zone };
  });
  sdk.createYclientsClient.mockImplementation((o: { hooks: typeof hooks }) => {
    hooks = o.hooks;
    return { authenticate, company };
  });
  step.syncEntity.mockImplementation(async (_db, _yc, _config, _options, _deps, at) => {
    // each entity makes two requests
    hooks?.onResponse({ method: 'GET', path: '/x', status: 200, ms: 1, attempt: 1 });
    hooks?.onResponse({ method: 'GET', path: '/x', status: 200, ms: 1, attempt: 2 });
    const status = opts.entityStatus?.(at.companyId, at.entity) ?? 'succeeded';
    return {
      companyId: at.companyId,
      entity: at.entity,
      status,
      ...(status === 'failed' ? { error: 'bad' } : {}),
    };
  });
  const config = { ...baseConfig, ...opts.config } as SyncConfig;
  const options = {
    full: false,
    dryRun: false,
    companyIds: Object.keys(companies).map(Number),
    ...opts.options,
  };
  const fetch = vi.fn();
  const run = () =>
    syncCompanies(
      'the session' as never,
      config,
      options,
      ['clients', 'records'],
      { log, progress: {} as never, stored: (e) => `stored: ${(e as Error).message}`, fetch },
      Date.now() - 1500,
    );
  return { run, lines, authenticate, company, fetch };
}

/** What the run ended with: its summary, or the error it threw and that error's summary and exit code. */
async function outcome(run: () => Promise<unknown>) {
  try {
    return { summary: await run(), exit: 0 };
  } catch (error) {
    return { error, summary: (error as { summary?: unknown }).summary, exit: exitCodeFor(error) };
  }
}

afterEach(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.clearAllMocks();
  sql.openRun.mockResolvedValue(42);
  sql.abandonDeadRuns.mockResolvedValue(0);
  sql.closeRun.mockResolvedValue(undefined);
});

describe('a run over the companies', () => {
  it('opens the run log with its options, syncs each entity in order, counts every request, closes it', async () => {
    const h = harness({
      companies: { 101: 'Europe/Moscow', 202: 'Asia/Novosibirsk' },
      options: { only: ['clients', 'records'], full: true, confirmDeletes: true },
    });
    const { summary, exit } = await outcome(h.run);
    expect(exit).toBe(0);
    expect(sql.openRun.mock.calls).toEqual([
      [
        'the session',
        {
          companyIds: [101, 202],
          only: ['clients', 'records'],
          full: true,
          dryRun: false,
          confirmDeletes: true,
        },
      ],
    ]);
    expect(sql.abandonDeadRuns.mock.calls).toEqual([['the session', 42, [101, 202]]]);
    expect(
      step.syncEntity.mock.calls.map((c) => [c[5].companyId, c[5].entity, c[5].timeZone, c[5].runId]),
    ).toEqual([
      [101, 'clients', 'Europe/Moscow', 42],
      [101, 'records', 'Europe/Moscow', 42],
      [202, 'clients', 'Asia/Novosibirsk', 42],
      [202, 'records', 'Asia/Novosibirsk', 42],
    ]);
    // the requests counted so far, as each entity sees them: one per company lookup, two per entity
    expect(summary).toMatchObject({
      runId: 42,
      status: 'succeeded',
      dryRun: false,
      refusedCompanies: [],
      requests: 10,
    });
    expect((summary as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(1500);
    expect(sql.closeRun.mock.calls).toEqual([['the session', 42, 'succeeded', undefined]]);
    expect(h.authenticate).not.toHaveBeenCalled();
    expect(h.lines[0]).toEqual({
      level: 'info',
      event: 'sync started',
      fields: { runId: 42, companies: '101,202', entities: 'clients,records', full: true, dryRun: false },
    });
    expect(h.lines.find((l) => l.event === 'request')).toEqual({
      level: 'debug',
      event: 'request',
      fields: { method: 'GET', path: '/company/{company_id}', status: 200, durationMs: 5, attempt: 1 },
    });
    const finished = h.lines.find((l) => l.event === 'sync finished');
    expect(finished?.fields).toMatchObject({ runId: 42, status: 'succeeded', requests: 10 });
    expect(h.lines.filter((l) => l.event === 'request')).toHaveLength(10);
  });

  it('hands each entity the requests counted so far, so it can count its own', async () => {
    const h = harness({});
    const seen: number[] = [];
    step.syncEntity.mockImplementation(async (_db, _yc, _c, _o, _d, at) => {
      seen.push(at.requestsSoFar());
      return { companyId: at.companyId, entity: at.entity, status: 'succeeded' };
    });
    await h.run();
    expect(seen).toEqual([1, 1]); // the company lookup
  });

  it('builds one API client from the configuration (user token, limits, response size in bytes, fetch)', async () => {
    const h = harness({});
    await h.run();
    expect(sdk.createYclientsClient).toHaveBeenCalledTimes(1);
    expect(sdk.createYclientsClient.mock.calls[0]![0]).toMatchObject({
      partnerToken: 'partner',
      userToken: 'user',
      baseUrl: 'https://api.example/api/v1',
      rps: 5,
      rpm: 200,
      timeoutMs: 30_000,
      maxResponseBytes: 3 * 1024 * 1024,
      fetch: h.fetch,
    });
    expect(sdk.createYclientsClient.mock.calls[0]![0]).not.toHaveProperty('login');
    // the SDK's own retry waits at the real clock's speed
    expect(sdk.createYclientsClient.mock.calls[0]![0]).not.toHaveProperty('retryBaseMs');
    expect(sdk.createYclientsClient.mock.calls[0]![0]).not.toHaveProperty('retryMaxMs');
    expect(sdk.createYclientsClient.mock.calls[0]![0]).not.toHaveProperty('retryAfterMaxMs');
  });

  it('a test clock ten times as fast shortens the retry waits tenfold', async () => {
    const h = harness({ config: { clockSpeed: 10 } });
    await h.run();
    expect(sdk.createYclientsClient.mock.calls[0]![0]).toMatchObject({
      retryBaseMs: 50,
      retryMaxMs: 3_000,
      retryAfterMaxMs: 6_000,
    });
  });

  it('the run lasts from the given start to its end', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T10:00:00Z'));
    const h = harness({});
    step.syncEntity.mockImplementation(async (_db, _yc, _c, _o, _d, at) => {
      vi.setSystemTime(Date.now() + 700);
      return { companyId: at.companyId, entity: at.entity, status: 'succeeded' };
    });
    const { summary } = await outcome(h.run);
    // started 1.5 s before the run was called, two entities of 0.7 s each
    expect(summary).toMatchObject({ durationMs: 2_900 });
    expect(step.syncEntity.mock.calls[0]![5].runStartedAt).toEqual(new Date('2026-11-23T09:59:58.500Z'));
  });

  it('a dry run says so when it ends', async () => {
    const h = harness({ options: { dryRun: true } });
    const { summary } = await outcome(h.run);
    expect(summary).toMatchObject({ dryRun: true });
    expect(h.lines.some((l) => l.event === 'dry run finished: everything above was rolled back')).toBe(true);
  });

  it('runs a stopped process left running are marked abandoned, and said so', async () => {
    sql.abandonDeadRuns.mockResolvedValue(2);
    const h = harness({});
    await h.run();
    expect(h.lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        event: 'marked runs left running by a stopped process as abandoned',
        fields: { count: 2 },
      },
    ]);
  });

  it('no abandoned runs: no warning; without --confirm-deletes the run log says so', async () => {
    const h = harness({});
    await h.run();
    expect(h.lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(sql.openRun.mock.calls[0]![1]).toEqual({
      companyIds: [101],
      only: null,
      full: false,
      dryRun: false,
      confirmDeletes: false,
    });
  });
});

describe('the login path', () => {
  const login = { userToken: undefined, login: 'owner@salon.test', password: 'pa$$' } as Partial<SyncConfig>;

  it('with a login and no user token: the client gets them, logs in once, then syncs', async () => {
    const h = harness({ config: login });
    const { exit } = await outcome(h.run);
    expect(exit).toBe(0);
    expect(sdk.createYclientsClient.mock.calls[0]![0]).toMatchObject({
      login: 'owner@salon.test',
      password: 'pa$$',
    });
    expect(sdk.createYclientsClient.mock.calls[0]![0]).not.toHaveProperty('userToken');
    expect(h.authenticate).toHaveBeenCalledTimes(1);
    expect(step.syncEntity).toHaveBeenCalledTimes(2);
  });

  it('a login refused: the run closed as failed, exit 4, no company read', async () => {
    const h = harness({
      config: login,
      authenticate: async () => {
        throw new YclientsAuthError({
          method: 'POST',
          path: '/auth',
          status: 401,
          apiMessage: 'wrong password',
        });
      },
    });
    const { error, exit } = await outcome(h.run);
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(exit).toBe(4);
    expect((error as Error).message).toMatch(/^YClients refused the login: stored: /);
    expect(sql.closeRun.mock.calls).toEqual([
      ['the session', 42, 'failed', (error as Error).message.slice(28)],
    ]);
    expect(h.company).not.toHaveBeenCalled();
  });

  it('a login failing otherwise: thrown as it is (a bug or the network), the run left to the caller', async () => {
    const boom = new TypeError('fetch failed');
    const h = harness({ config: login, authenticate: async () => Promise.reject(boom) });
    const { error } = await outcome(h.run);
    expect(error).toBe(boom);
    expect(sql.closeRun).not.toHaveBeenCalled();
  });

  it('a user token set beside a login: no login', async () => {
    const h = harness({ config: { login: 'owner@salon.test', password: 'pa$$' } });
    await h.run();
    expect(h.authenticate).not.toHaveBeenCalled();
  });
});

describe('companies that cannot be read', () => {
  it('one refused, one synced: partial, exit 5, the refused one logged and no entity of it run', async () => {
    const h = harness({ companies: { 101: refused(), 202: 'Europe/Moscow' } });
    const { error, summary, exit } = await outcome(h.run);
    expect(error).toBeInstanceOf(PartialSyncError);
    expect(exit).toBe(5);
    expect(summary).toMatchObject({ status: 'partial', refusedCompanies: [101] });
    expect(step.syncEntity.mock.calls.map((c) => c[5].companyId)).toEqual([202, 202]);
    expect(sql.closeRun.mock.calls).toEqual([['the session', 42, 'partial', 'refused: 101']]);
    expect(h.lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        event: 'YClients refused access to the company',
        fields: { companyId: 101, status: 403, error: expect.stringMatching(/^stored: /) },
      },
    ]);
  });

  it('every company refused: failed, exit 4', async () => {
    const h = harness({ companies: { 101: refused(), 202: refused() } });
    const { error, summary, exit } = await outcome(h.run);
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(exit).toBe(4);
    expect(summary).toMatchObject({ status: 'failed', refusedCompanies: [101, 202], entities: [] });
    expect(step.syncEntity).not.toHaveBeenCalled();
  });

  it('a company that cannot be read otherwise: each of its entities failed with the error, the others synced', async () => {
    const h = harness({ companies: { 101: new Error('503 after retries'), 202: 'Europe/Moscow' } });
    const { summary, exit } = await outcome(h.run);
    expect(exit).toBe(5);
    const entities = (summary as { entities: EntitySummary[] }).entities;
    expect(entities.slice(0, 2)).toEqual([
      expect.objectContaining({
        companyId: 101,
        entity: 'clients',
        status: 'failed',
        error: 'stored: 503 after retries',
      }),
      expect.objectContaining({
        companyId: 101,
        entity: 'records',
        status: 'failed',
        error: 'stored: 503 after retries',
      }),
    ]);
    expect(entities[0]).toMatchObject({
      pages: 0,
      rows: 0,
      requests: 0,
      inserted: 0,
      deleted: 0,
      withheld: 0,
    });
    expect(entities.slice(2).map((e) => [e.companyId, e.status])).toEqual([
      [202, 'succeeded'],
      [202, 'succeeded'],
    ]);
    expect(summary).toMatchObject({ status: 'partial', refusedCompanies: [] });
    expect(h.lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        event: 'could not read the company',
        fields: { companyId: 101, error: 'stored: 503 after retries' },
      },
    ]);
  });

  it('the only company unreadable: failed (nothing got through), exit 5', async () => {
    const h = harness({ companies: { 101: new Error('503 after retries') } });
    const { summary, exit } = await outcome(h.run);
    expect(exit).toBe(5);
    expect(summary).toMatchObject({ status: 'failed' });
    expect(sql.closeRun.mock.calls[0]![2]).toBe('failed');
  });

  it('an entity failing: the run closed partial with its error', async () => {
    const h = harness({ entityStatus: (_c, e) => (e === 'records' ? 'failed' : 'succeeded') });
    const { exit } = await outcome(h.run);
    expect(exit).toBe(5);
    expect(sql.closeRun.mock.calls).toEqual([['the session', 42, 'partial', 'records@101: bad']]);
  });
});
