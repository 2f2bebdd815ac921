/**
 * A chaos schedule, drawn from a seed (issue 18): a salon, the upstream changes made before each run,
 * and the faults of each run — bad answers, poison rows, and at most one disruption (a SIGKILL of the
 * sync, the loss of its locked session, a restart of PostgreSQL in immediate mode). Same seed, same
 * schedule.
 */
import { type PoisonKind, seededRandom } from '@yclients-pg/yclients-fake';

/** The list endpoints the sync reads, as route templates. */
export const LISTS = [
  '/clients/{company_id}',
  '/records/{company_id}',
  '/transactions/{company_id}',
  '/company/{company_id}/staff',
  '/company/{company_id}/services',
  '/company/{company_id}/staff/positions',
  '/company/{company_id}/service_categories',
  '/labels/{company_id}/{entity}',
  '/accounts/{company_id}',
] as const;

export type List = (typeof LISTS)[number];

export type FaultPlan =
  | { kind: 'status'; path: List; n: number; status: 500 | 502 | 503 }
  | { kind: 'rateLimit'; path: List; n: number }
  | { kind: 'successFalse'; path: List; n: number }
  | { kind: 'drop'; path: List; n: number }
  | { kind: 'truncate'; path: List; n: number }
  | { kind: 'hang'; path: List; n: number }
  | { kind: 'empty'; path: List; n: number; page: number }
  | { kind: 'short'; path: List; n: number; page: number }
  | { kind: 'poison'; path: List; n: number; page: number; poison: PoisonKind; index: number };

export type FaultKindName = FaultPlan['kind'];

/** Upstream changes between runs, as the simulator's entity API makes them. */
export type Change =
  | { entity: 'clients' | 'records' | 'transactions'; op: 'insert'; count: number }
  | { entity: 'clients' | 'records' | 'transactions'; op: 'update'; pick: number; text: string }
  | { entity: 'clients' | 'records' | 'transactions' | 'staff' | 'services'; op: 'delete'; pick: number }
  | { entity: 'records'; op: 'vanish'; pick: number };

export type Disruption =
  | { kind: 'none' }
  | { kind: 'kill'; afterRows: number }
  | { kind: 'lockLoss'; afterRows: number }
  /** PostgreSQL crashed (immediate mode) and started again; at 0 rows, while the run starts */
  | { kind: 'restart'; afterRows: number };

export interface RunPlan {
  changes: Change[];
  faults: FaultPlan[];
  disruption: Disruption;
  /** `--full` for this run (the weekly cron line) */
  full: boolean;
}

export interface Schedule {
  seed: number;
  salon: { clients: number; records: number; transactions: number; staff: number; services: number };
  runs: RunPlan[];
}

/** Text no loader should choke on: it must land byte for byte. */
const HOSTILE = [
  "Robert'); DROP TABLE yclients.clients;--",
  'NULL',
  'null',
  '   ',
  '',
  'Анна 👩‍🦰 Мария',
  '\\u0000 literally',
  '"quoted" \\ back',
  'ç̶̛̝͙̬̈́͂͌̕',
];

// Not 'surrogate' in a one-off answer: U+FFFD would stay in the row until upstream changes it again
// (a NUL is dropped, which restores the text).
const POISONS: PoisonKind[] = ['nul', 'id-zero', 'id-text', 'id-missing', 'null-row'];

export function drawSchedule(seed: number, runs = 5): Schedule {
  const rnd = seededRandom(seed * 7919 + 17);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const chance = (p: number) => rnd() < p;

  const salon = {
    clients: int(40, 700),
    records: int(100, 2600),
    transactions: int(20, 450),
    staff: int(3, 14),
    services: int(5, 30),
  };
  const plans: RunPlan[] = [];
  for (let r = 0; r < runs; r++) {
    const changes: Change[] = [];
    if (r > 0) {
      for (let i = int(0, 6); i > 0; i--) {
        const entity = pick(['clients', 'records', 'transactions'] as const);
        const op = pick(['insert', 'update', 'update', 'delete'] as const);
        if (op === 'insert') changes.push({ entity, op, count: int(1, 5) });
        else if (op === 'update') changes.push({ entity, op, pick: rnd(), text: pick(HOSTILE) });
        else changes.push({ entity, op, pick: rnd() });
      }
      if (chance(0.3)) changes.push({ entity: 'records', op: 'vanish', pick: rnd() });
      if (chance(0.15))
        changes.push({ entity: pick(['staff', 'services'] as const), op: 'delete', pick: rnd() });
    }
    const faults: FaultPlan[] = [];
    for (let i = int(0, 4); i > 0; i--) {
      const path = pick(LISTS);
      const kind = pick([
        'status',
        'rateLimit',
        'successFalse',
        'drop',
        'truncate',
        'hang',
        'empty',
        'short',
        'poison',
      ] as const);
      const n = int(1, 3);
      const page = path === '/records/{company_id}' ? 1 : int(1, 2);
      if (kind === 'status') faults.push({ kind, path, n, status: pick([500, 502, 503] as const) });
      else if (kind === 'empty' || kind === 'short') faults.push({ kind, path, n, page });
      else if (kind === 'poison')
        faults.push({ kind, path, n, page, poison: pick(POISONS), index: int(0, 5) });
      else faults.push({ kind, path, n: kind === 'hang' ? 1 : n });
    }
    const roll = rnd();
    const disruption: Disruption =
      r === 0 || roll < 0.7
        ? { kind: 'none' }
        : roll < 0.83
          ? { kind: 'kill', afterRows: int(10, 400) }
          : roll < 0.92
            ? { kind: 'lockLoss', afterRows: int(10, 400) }
            : { kind: 'restart', afterRows: int(0, 400) };
    plans.push({ changes, faults, disruption, full: r > 0 && chance(0.15) });
  }
  return { seed, salon, runs: plans };
}
