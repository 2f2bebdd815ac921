/**
 * Chaos runs (issue 18): seeded schedules of upstream changes and faults against the simulator and a real
 * PostgreSQL. `pnpm test` runs three fixed seeds; `pnpm chaos` (scripts/chaos.mjs) runs many and writes
 * the report. A failing seed is replayed with `pnpm chaos --seed S`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOwnServer } from '../helpers/database';
import { type PrivatePostgres, startPrivatePostgres } from './postgres';
import { type ChaosOutcome, runChaos } from './run';
import { drawSchedule } from './schedule';

// 12: a client deleted while a rebuild was interrupted stayed live (entities/clients.ts); 14: a first
// load cut short by a bad answer, filled by the final --full (run.ts); seed 11's finding has its own test
// (test/e2e/data-safety.test.ts, "a delete left pending for a later run"); 79: a first records load
// answered empty twice, whose older visits the count probe's search never looked for (entities/records.ts)
const FIXED = [3, 5, 12, 14, 42, 79];
const first = Number(process.env.CHAOS_FIRST_SEED ?? 1);
const many = Number(process.env.CHAOS_SEEDS ?? 0);
const one = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : undefined;
// CHAOS_SHARD=k/n (pnpm chaos --jobs n): every n-th seed, from the k-th
const [shard, shards] = (process.env.CHAOS_SHARD ?? '1/1').split('/').map(Number) as [number, number];
const seeds = (
  one !== undefined ? [one] : many > 0 ? Array.from({ length: many }, (_, i) => first + i) : FIXED
).filter((_, i) => i % shards === shard - 1);
const report = process.env.CHAOS_REPORT;

describe('chaos: seeded faults against the simulator, compared with its truth', () => {
  const outcomes: ChaosOutcome[] = [];
  const started = Date.now();
  // a server of the chaos runs' own: the fault plan restarts it (never the shared test server)
  let server: PrivatePostgres | undefined;
  beforeAll(async () => {
    server = await startPrivatePostgres();
    useOwnServer(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });
  for (const seed of seeds) {
    it(`seed ${seed}`, { timeout: 300_000 }, async () => {
      const outcome = await runChaos(drawSchedule(seed), server!);
      outcomes.push(outcome);
      expect(outcome.failures, `replay: pnpm chaos --seed ${seed}`).toEqual([]);
    });
  }
  if (report) {
    it('writes the report', () => {
      writeFileSync(
        report,
        `${JSON.stringify({ seeds, wallSeconds: (Date.now() - started) / 1000, outcomes }, null, 2)}\n`,
      );
    });
  }
});

export const CHAOS_DIR = path.dirname(fileURLToPath(import.meta.url));
