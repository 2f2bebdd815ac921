// `pnpm chaos [--seeds N] [--first S] [--seed S] [--no-write]`: seeded chaos runs (test/chaos) through
// vitest, then a report: seeds run, faults fired by kind, runs, disruptions, rows compared, failures with
// the command that replays each. Many seeds write test/chaos/RESULTS.md and results.json (committed, like
// the bench's); one seed (a replay) only prints.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    first: { type: 'string', default: '1' },
    seed: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'yclients-chaos-'));
const report = path.join(dir, 'report.json');
const env = {
  ...process.env,
  CHAOS_REPORT: report,
  ...(values.seed
    ? { CHAOS_SEED: values.seed }
    : { CHAOS_SEEDS: values.seeds, CHAOS_FIRST_SEED: values.first }),
};
const started = Date.now();
const run = spawnSync('pnpm', ['exec', 'vitest', 'run', '--project', 'e2e', 'test/chaos/chaos.test.ts'], {
  env,
  stdio: 'inherit',
});
let data;
try {
  data = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('chaos: no report was written (see the vitest output above)');
  process.exit(run.status || 1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const sum = (pick) => data.outcomes.reduce((n, o) => n + pick(o), 0);
const byKey = (pick) => {
  const out = {};
  for (const o of data.outcomes) for (const [k, v] of Object.entries(pick(o))) out[k] = (out[k] ?? 0) + v;
  return out;
};
const failed = data.outcomes.filter((o) => o.failures.length > 0);
const faults = byKey((o) => o.faultsFired);
const disruptions = byKey((o) => o.disruptions);
const exits = byKey((o) =>
  Object.fromEntries(o.exits.map((e) => [e, o.exits.filter((x) => x === e).length])),
);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const lines = [
  `Run: ${new Date().toISOString()}, \`pnpm chaos --seeds ${data.seeds.length}${values.seed ? ` --seed ${values.seed}` : ` --first ${values.first}`}\`, ${minutes} min on ${os.cpus().length} cores (Node ${process.version}).`,
  '',
  '| seeds | failed | runs | rows compared at the end | rows quarantined | old transactions only --full brought (seeds) |',
  '|--:|--:|--:|--:|--:|--:|',
  `| ${data.outcomes.length} | ${failed.length} | ${sum((o) => o.runs)} | ${sum((o) => o.rowsCompared).toLocaleString('en')} | ${sum((o) => o.quarantined)} | ${sum((o) => o.filledByFull ?? 0)} (${data.outcomes.filter((o) => o.filledByFull > 0).length}) |`,
  '',
  '| faults fired, by kind | count |',
  '|---|--:|',
  ...Object.entries(faults)
    .sort()
    .map(([k, v]) => `| ${k} | ${v} |`),
  '',
  '| runs, by disruption | count |',
  '|---|--:|',
  ...Object.entries(disruptions)
    .sort()
    .map(([k, v]) => `| ${k} | ${v} |`),
  '',
  '| exit codes | count |',
  '|---|--:|',
  ...Object.entries(exits)
    .sort()
    .map(([k, v]) => `| ${k} | ${v} |`),
  '',
  failed.length === 0 ? 'No failures.' : '**Failures** (each replays with its command):',
  ...failed.flatMap((o) => [
    '',
    `- seed ${o.seed}: \`pnpm chaos --seed ${o.seed}\``,
    ...o.failures.slice(0, 5).map((f) => `  - ${f.split('\n')[0].slice(0, 300)}`),
  ]),
];
const text = lines.join('\n');
console.log(`\n${text}`);
if (!values.seed && !values['no-write']) {
  const out = path.resolve('test/chaos');
  writeFileSync(
    path.join(out, 'RESULTS.md'),
    `# Chaos results\n\nWritten by \`pnpm chaos\`; see the README's "Chaos runs".\n\n${text}\n`,
  );
  writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(data, null, 2)}\n`);
}
process.exit(failed.length > 0 ? 1 : (run.status ?? 1));
