/**
 * Runs one chaos schedule (schedule.ts) against the simulator and a real PostgreSQL, as cron would run
 * the sync, and checks after every run what must hold whatever happened: exit codes from the documented
 * set (never 1), no live row soft-deleted that upstream still has, no run left `running`, no secret or
 * phone in any output; and at the end, after a run with the faults off, the database equal to the
 * simulator's truth and every quarantined row accounted for. "A run with the faults off" is three: one, one
 * that confirms what a user would confirm (--confirm-deletes) and one that must settle the rest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withClient } from '@yclients-pg/sql';
import type { Fault } from '@yclients-pg/yclients-fake';
import { compareWithTruth } from '../helpers/compare';
import {
  type Fake,
  type Harness,
  runSync,
  type SyncResult,
  spawnCli,
  startHarness,
} from '../helpers/harness';
import type { Change, FaultKindName, FaultPlan, RunPlan, Schedule } from './schedule';

export const COMPANY = 101;

export interface ChaosOutcome {
  seed: number;
  runs: number;
  exits: number[];
  faultsFired: Partial<Record<FaultKindName, number>>;
  disruptions: Record<string, number>;
  rowsCompared: number;
  quarantined: number;
  /** transactions older than the window that only the final --full brought (a first load cut short) */
  filledByFull: number;
  /** wall time by phase, ms: where a seed's time goes (scripts/chaos.mjs sums it in the report) */
  ms: Record<'setup' | 'runs' | 'checks' | 'compare', number>;
  failures: string[];
}

const SOFT_DELETABLE = {
  clients: 'clients',
  records: 'records',
  financial_transactions: 'transactions',
  staff: 'staff',
  services: 'services',
} as const;

export interface ChaosServer {
  /** Crashes the chaos runs' own PostgreSQL (immediate mode) and starts it again (postgres.ts). */
  restart(): Promise<void>;
}

export async function runChaos(schedule: Schedule, server: ChaosServer): Promise<ChaosOutcome> {
  const outcome: ChaosOutcome = {
    seed: schedule.seed,
    runs: 0,
    exits: [],
    faultsFired: {},
    disruptions: {},
    rowsCompared: 0,
    quarantined: 0,
    filledByFull: 0,
    ms: { setup: 0, runs: 0, checks: 0, compare: 0 },
    failures: [],
  };
  const timed = async <T>(phase: keyof ChaosOutcome['ms'], work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      outcome.ms[phase] += Math.round(performance.now() - start);
    }
  };
  const fail = (run: number | 'final', message: string) => outcome.failures.push(`run ${run}: ${message}`);
  const harness = await timed('setup', () =>
    startHarness(
      { seed: schedule.seed, rateLimit: false, companies: [{ id: COMPANY, ...schedule.salon }] },
      // a hung answer costs under a second; cron's own timeouts are for real networks
      { YCLIENTS_HTTP_TIMEOUT_MS: '800', YCLIENTS_TEST_CLOCK_SPEED: '1000' },
    ),
  );
  let poisonsFired = 0;
  try {
    for (const [i, plan] of schedule.runs.entries()) {
      applyChanges(harness.fake, plan.changes);
      const armed = plan.faults.map((f) => arm(harness.fake, f));
      const result = await timed('runs', () => runPlanned(harness, plan, server));
      keepLogs(schedule.seed, i, result);
      outcome.runs += 1;
      outcome.exits.push(result.code);
      for (const [plan_, fault] of armed) {
        const fired = plan_.n - fault.remaining;
        outcome.faultsFired[plan_.kind] = (outcome.faultsFired[plan_.kind] ?? 0) + fired;
        if (plan_.kind === 'poison') poisonsFired += fired;
      }
      harness.fake.faults.clear();
      const kind = plan.disruption.kind;
      outcome.disruptions[kind] = (outcome.disruptions[kind] ?? 0) + 1;
      // a run that loses its database (its lock session, or the server restarting) ends with 6 when it
      // cannot reach it again, 5 when an entity failed on it and the run could still record that
      const allowed = kind === 'kill' ? [0, 5, 137, 128] : kind === 'none' ? [0, 5] : [0, 5, 6];
      if (!allowed.includes(result.code)) {
        fail(i, `exit ${result.code} (${kind}): ${lastError(result)}`);
      }
      await timed('checks', async () => {
        for (const leak of leaks(harness, result)) fail(i, leak);
        for (const wrong of await softDeletedButLive(harness)) fail(i, wrong);
        if (kind === 'none') {
          const running = await count(
            harness,
            "select count(*) as n from yclients_sync.sync_runs where status = 'running'",
          );
          if (running > 0) fail(i, `${running} run(s) left running after a run that ended`);
        }
        await fastForward(harness);
      });
    }
    // runs until quiet, faults off, as the next cron runs would be: a second run confirms the deletes a
    // suspicious read left pending; a delete withheld because upstream really emptied a scope is
    // confirmed as its user would confirm it (--confirm-deletes), then the state must settle
    for (const args of [[], ['--confirm-deletes'], []]) {
      const final = await timed('runs', () => runSync(harness.env, args));
      keepLogs(schedule.seed, `final${args.join('')}`, final);
      outcome.runs += 1;
      outcome.exits.push(final.code);
      for (const leak of leaks(harness, final)) fail('final', leak);
      const withheld = final.logs.some((l) => String(l.event).includes('deletes withheld'));
      if (final.code !== 0 && !(final.code === 5 && withheld && args.length === 0)) {
        fail('final', `exit ${final.code}: ${lastError(final)}`);
      }
      await fastForward(harness);
    }
    // Rows older than the transactions window are read only by the first load and by --full (design §9
    // "Transactions"): a first load whose last page was answered short twice in a row (the sync asks the
    // end of a list with no total twice; a fault may spoil a page three times) leaves a gap that only the weekly
    // --full of the README's cron fills. So when the quiet runs leave nothing but such a gap, that --full
    // runs and the database must then equal the truth without exception; any other difference fails.
    let differences = await timed('compare', () =>
      compareWithTruth(harness.db.url, harness.fake, COMPANY, { limit: Number.POSITIVE_INFINITY }),
    );
    if (differences.length > 0 && differences.every((d) => olderThanWindow(harness, d))) {
      outcome.filledByFull = differences.length;
      const full = await timed('runs', () => runSync(harness.env, ['--full']));
      keepLogs(schedule.seed, 'final--full', full);
      outcome.runs += 1;
      outcome.exits.push(full.code);
      for (const leak of leaks(harness, full)) fail('final', leak);
      if (full.code !== 0) fail('final', `exit ${full.code} (--full): ${lastError(full)}`);
      differences = await timed('compare', () =>
        compareWithTruth(harness.db.url, harness.fake, COMPANY, { limit: Number.POSITIVE_INFINITY }),
      );
    }
    for (const difference of differences.slice(0, 10)) fail('final', difference);
    if (differences.length > 10) fail('final', `… and ${differences.length - 10} more differences`);
    outcome.rowsCompared = await count(
      harness,
      `select (select count(*) from yclients.clients) + (select count(*) from yclients.records)
            + (select count(*) from yclients.record_services) + (select count(*) from yclients.financial_transactions)
            + (select count(*) from yclients.client_category_links) + (select count(*) from yclients.staff)
            + (select count(*) from yclients.services) + (select count(*) from yclients.service_staff) as n`,
    );
    outcome.quarantined = await count(harness, 'select count(*) as n from yclients_sync.quarantine');
    if (outcome.quarantined > poisonsFired) {
      fail('final', `${outcome.quarantined} quarantined rows, but only ${poisonsFired} poisoned answers`);
    }
  } catch (error) {
    fail('harness', error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await harness.close();
  }
  return outcome;
}

/**
 * A run as planned: in-process, or as a child process that is killed, loses its session or sees
 * PostgreSQL restart mid-run.
 */
async function runPlanned(harness: Harness, plan: RunPlan, server: ChaosServer): Promise<SyncResult> {
  const args = plan.full ? ['--full'] : [];
  const { disruption } = plan;
  if (disruption.kind === 'none') return runSync(harness.env, args);
  const run = spawnCli({ ...harness.env, YCLIENTS_RPS: '20' }, args);
  let ended = false;
  void run.exited.then(() => {
    ended = true;
  });
  const fetched = () =>
    count(
      harness,
      "select coalesce(sum(rows_fetched), 0) as n from yclients_sync.sync_run_entities e join yclients_sync.sync_runs r on r.id = e.run_id where r.status = 'running'",
    );
  while (!ended && (await fetched().catch(() => 0)) < disruption.afterRows) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!ended) {
    if (disruption.kind === 'kill') run.child.kill('SIGKILL');
    else if (disruption.kind === 'restart') await server.restart();
    else {
      await withClient(harness.db.url, (c) =>
        c.query(
          `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = 22851
             and objid = $1 and granted and database = (select oid from pg_database where datname = current_database())`,
          [COMPANY],
        ),
      );
    }
  }
  return run.exited;
}

/** Arms one planned fault and keeps it, to count afterwards how often it fired. */
function arm(fake: Fake, plan: FaultPlan): [FaultPlan, Fault] {
  const paged =
    plan.path === '/clients/{company_id}' ||
    plan.path === '/records/{company_id}' ||
    plan.path === '/transactions/{company_id}';
  const query = 'page' in plan && paged ? { query: { page: String(plan.page) } } : {};
  const fault: Fault = {
    kind: plan.kind,
    remaining: plan.n,
    path: plan.path,
    ...query,
    ...(plan.kind === 'status' ? { status: plan.status } : {}),
    ...(plan.kind === 'successFalse' ? { message: 'Произошла ошибка' } : {}),
    ...(plan.kind === 'poison' ? { poison: plan.poison, index: plan.index } : {}),
  };
  fake.faults.add(fault);
  return [plan, fault];
}

function applyChanges(fake: Fake, changes: Change[]): void {
  const company = fake.company(COMPANY);
  for (const change of changes) {
    const api = company[change.entity];
    // transactions older than the rolling window are only re-read by --full: change recent ones
    const rows = [...api.list()].filter(
      (r) =>
        change.entity !== 'transactions' ||
        Date.parse(String(r.date).replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) > Date.now() - 20 * 86_400_000,
    );
    const row = 'pick' in change ? rows[Math.floor(change.pick * rows.length)] : undefined;
    if (change.op === 'insert') {
      for (let i = 0; i < change.count; i++) api.insert({});
    } else if (!row) {
    } else if (change.op === 'update') {
      const field = change.entity === 'clients' ? 'name' : 'comment';
      api.update(Number(row.id), { [field]: change.text });
    } else if (change.op === 'delete') {
      api.delete(Number(row.id));
    } else {
      company.records.vanish(Number(row.id));
    }
  }
}

/**
 * A transaction the database lacks that is dated before the rolling window of the quiet runs (30 days,
 * YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS' default; a day more, so the window's local-day edge is never
 * excused): only a --full reads it again.
 */
function olderThanWindow(harness: Harness, difference: string): boolean {
  const m = /^financial_transactions (\d+): missing from the database$/.exec(difference);
  if (!m) return false;
  const row = [...harness.fake.company(COMPANY).transactions.list()].find(
    (r) => Number(r.id) === Number(m[1]),
  );
  const at = row && Date.parse(String(row.date).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return typeof at === 'number' && at < Date.now() - 31 * 86_400_000;
}

/** Live rows upstream that the database holds as soft-deleted: a delete that should not have been. */
async function softDeletedButLive(harness: Harness): Promise<string[]> {
  const company = harness.fake.company(COMPANY);
  const out: string[] = [];
  for (const [table, entity] of Object.entries(SOFT_DELETABLE)) {
    const live = new Set(
      [...company[entity].list()]
        .filter((r) => r.is_deleted !== true && r.deleted !== true)
        .map((r) => Number(r.id)),
    );
    const gone = await withClient(harness.db.url, async (c) =>
      (
        await c.query<{ id: string }>(
          `select id from yclients.${table} where company_id = $1 and deleted_at is not null${table === 'financial_transactions' ? '' : ' and not is_stub'}`,
          [COMPANY],
        )
      ).rows.map((r) => Number(r.id)),
    );
    const wrong = gone.filter((id) => live.has(id));
    if (wrong.length)
      out.push(`${table}: ${wrong.length} live upstream but soft-deleted (${wrong.slice(0, 5).join(', ')})`);
  }
  return out;
}

/** Tokens and client phones must appear in no output. */
function leaks(harness: Harness, result: SyncResult): string[] {
  const output = `${result.stdout}\n${result.stderr}`;
  const { partnerToken, userToken } = harness.fake.credentials;
  const out: string[] = [];
  if (output.includes(partnerToken) || output.includes(userToken)) out.push('a token in the output');
  const digits = output.replace(/\D/g, ' ');
  const phone = [...harness.fake.company(COMPANY).clients.list()]
    .map((r) => String(r.phone ?? '').replace(/\D/g, ''))
    .find((p) => p.length >= 10 && digits.includes(p.slice(-10)));
  if (phone) out.push('a client phone in the output');
  return out;
}

/** Retry waits pass at once: the next run tries every entity that failed, as a later cron run would. */
async function fastForward(harness: Harness): Promise<void> {
  await withClient(harness.db.url, (c) =>
    c.query('update yclients_sync.sync_state set next_try_at = now() where next_try_at > now()'),
  );
}

/** CHAOS_LOGS=dir (`pnpm chaos --seed S --logs dir`): each run's output kept, to read a replay's story. */
function keepLogs(seed: number, run: number | string, result: SyncResult): void {
  const dir = process.env.CHAOS_LOGS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `seed-${seed}-run-${run}.log`), `${result.stdout}\n${result.stderr}`);
}

async function count(harness: Harness, text: string): Promise<number> {
  return withClient(harness.db.url, async (c) =>
    Number((await c.query<{ n: string }>(text)).rows[0]?.n ?? 0),
  );
}

function lastError(result: SyncResult): string {
  const errors = result.logs.filter((l) => l.level === 'error');
  return String(errors.at(-1)?.event ?? result.stderr.split('\n').filter(Boolean).at(-1) ?? '').slice(0, 300);
}
