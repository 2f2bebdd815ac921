// `pnpm chaos [--seeds N] [--first S] [--seed S] [--jobs J] [--no-write]`: seeded chaos runs (test/chaos)
// through vitest, then a report: seeds run, faults fired by kind, runs, disruptions, rows compared,
// failures with the command that replays each. Many seeds write test/chaos/RESULTS.md and results.json
// (committed, like the bench's); one seed (a replay) only prints. `--jobs` (2: the machine's cores) runs that many vitest processes,
// each on every J-th seed with a PostgreSQL of its own (a seed's schedule does not depend on the job).
import { spawn } from 'node:child_process';
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
    jobs: { type: 'string', default: '2' },
  },
});
const jobs = values.seed ? 1 : Math.max(1, Number(values.jobs) || 1);
const dir = mkdtempSync(path.join(os.tmpdir(), 'yclients-chaos-'));
const started = Date.now();
const statuses = await Promise.all(
  Array.from({ length: jobs }, (_, job) => {
    const env = {
      ...process.env,
      CHAOS_REPORT: path.join(dir, `report-${job}.json`),
      ...(values.seed
        ? { CHAOS_SEED: values.seed }
        : { CHAOS_SEEDS: values.seeds, CHAOS_FIRST_SEED: values.first, CHAOS_SHARD: `${job + 1}/${jobs}` }),
    };
    const child = spawn('pnpm', ['exec', 'vitest', 'run', '--project', 'e2e', 'test/chaos/chaos.test.ts'], {
      env,
      stdio: 'inherit',
    });
    return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }),
);
const status = statuses.find((s) => s !== 0) ?? 0;
let data;
try {
  const parts = statuses.map((_, job) =>
    JSON.parse(readFileSync(path.join(dir, `report-${job}.json`), 'utf8')),
  );
  const outcomes = parts.flatMap((p) => p.outcomes).sort((a, b) => a.seed - b.seed);
  data = { seeds: outcomes.map((o) => o.seed), wallSeconds: (Date.now() - started) / 1000, jobs, outcomes };
} catch {
  console.error('chaos: a report was not written (see the vitest output above)');
  process.exit(status || 1);
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
  `Run: ${new Date().toISOString()}, \`pnpm chaos ${values.seed ? `--seed ${values.seed}` : `--seeds ${data.seeds.length} --first ${values.first} --jobs ${jobs}`}\`, ${minutes} min on ${os.cpus().length} cores (Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end).`,
  '',
  '| seeds | failed | runs | rows compared at the end | rows quarantined | old transactions only --full brought (seeds) |',
  '|--:|--:|--:|--:|--:|--:|',
  `| ${data.outcomes.length} | ${failed.length} | ${sum((o) => o.runs)} | ${sum((o) => o.rowsCompared).toLocaleString('en')} | ${sum((o) => o.quarantined)} | ${sum((o) => o.filledByFull ?? 0)} (${data.outcomes.filter((o) => o.filledByFull > 0).length}) |`,
  '',
  `Where the time went (summed over seeds, minutes): ${['setup', 'runs', 'checks', 'compare']
    .map((k) => `${k} ${(sum((o) => o.ms?.[k] ?? 0) / 60_000).toFixed(1)}`)
    .join(', ')}.`,
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
process.exit(failed.length > 0 ? 1 : status);
