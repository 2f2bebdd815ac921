/**
 * `pnpm bench [--quick] [--only=throughput,latency,requests,memory,startup]`: runs the suites, prints
 * progress, writes the tables into bench/README.md (between markers) and bench/results/latest.json. A
 * suite left out with --only keeps the results of the run that last measured it (the README says which).
 *
 * Full mode: merge throughput at 20,000 and 200,000 rows, latency at 20,000, syncs of 10k / 100k / 1M records.
 * Quick mode (under two minutes): 20,000 rows, fewer row-by-row rows, latency at 10,000, a 10k-record sync.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, resolveServer, serverVersion } from './database';
import { ratios, runThroughput } from './merge-throughput';
import { machine, markdown, type NotMeasured, type Results, replaceBetweenMarkers } from './report';
import { runStartupSuite } from './startup';
import { runMemorySuite, runRequestSuite } from './sync-suites';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['throughput', 'latency', 'requests', 'memory', 'startup'] as const;
type Suite = (typeof SUITES)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Set<Suite>; write: boolean } {
  const quick = argv.includes('--quick');
  const write = !argv.includes('--no-write');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = new Set<Suite>(
    onlyArg
      ? (onlyArg
          .slice('--only='.length)
          .split(',')
          .filter((s) => SUITES.includes(s as Suite)) as Suite[])
      : SUITES,
  );
  return { quick, only, write };
}

function skipped(suite: Suite): NotMeasured {
  return {
    status: 'not measured',
    reason: `this run was limited with --only and did not include the ${suite} suite.`,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const server = await resolveServer();
  const database = `${server.source === 'embedded' ? 'embedded PostgreSQL' : server.source === 'local' ? 'local PostgreSQL on 127.0.0.1:5432' : 'BENCH_DATABASE_URL'}, scratch database per run`;
  log(`bench: ${args.quick ? 'quick' : 'full'} mode, database: ${database}`);
  const scratch = await createScratchDatabase(server.url);
  log(`bench: scratch database ${scratch.name} migrated`);
  const results: Results = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    command: `pnpm bench${args.quick ? ' --quick' : ''}${args.only.size < SUITES.length ? ` --only=${[...args.only].join(',')}` : ''}`,
    machine: machine(await serverVersion(server.url)),
    database,
    throughput: skipped('throughput'),
    latency: skipped('latency'),
    requests: skipped('requests'),
    memory: skipped('memory'),
    startup: skipped('startup'),
  };
  try {
    if (args.only.has('throughput')) {
      log('1. merge throughput');
      const measurements = await runThroughput({
        url: scratch.url,
        sizes: args.quick ? [20_000] : [20_000, 200_000],
        // Row by row runs at a steady rate per row, so a capped run measures the same rate in less time.
        rowByRowMax: args.quick ? 5_000 : 20_000,
        scenarios: ['fresh', 'unchanged90'],
        entities: ['clients', 'records'],
        log,
      });
      results.throughput = { measurements, ratios: ratios(measurements) };
    }
    if (args.only.has('latency')) {
      const delayMsEachWay = 5;
      log(`2. latency (${delayMsEachWay} ms each way)`);
      const measurements = await runThroughput({
        url: scratch.url,
        sizes: [args.quick ? 6_000 : 20_000],
        // 202 round trips per page at 10 ms each: 1,000 rows already take 10 s per entity.
        rowByRowMax: args.quick ? 600 : 1_000,
        scenarios: ['fresh'],
        entities: ['clients', 'records'],
        latencyMs: delayMsEachWay,
        log,
      });
      results.latency = { delayMsEachWay, measurements, ratios: ratios(measurements) };
    }
    if (args.only.has('requests')) {
      log('3. request efficiency');
      results.requests = await runRequestSuite({ serverUrl: server.url, quick: args.quick, log });
    }
    if (args.only.has('memory')) {
      log('4. memory and scale');
      results.memory = await runMemorySuite({ serverUrl: server.url, quick: args.quick, log });
    }
    if (args.only.has('startup')) {
      log('5. start-up');
      results.startup = await runStartupSuite({ serverUrl: server.url, quick: args.quick, log });
    }
  } finally {
    await scratch.drop().catch((error) => log(`bench: could not drop ${scratch.name}: ${String(error)}`));
    await server.stop().catch(() => {});
  }
  log(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!args.write) return;
  mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
  const latest = path.join(BENCH_DIR, 'results', 'latest.json');
  keepEarlierResults(results, args.only, latest);
  writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`);
  const readmePath = path.join(BENCH_DIR, 'README.md');
  let readme = '';
  try {
    readme = readFileSync(readmePath, 'utf8');
  } catch {
    readme = '# Benchmarks\n';
  }
  writeFileSync(readmePath, replaceBetweenMarkers(readme, markdown(results)));
  log('bench: wrote bench/README.md and bench/results/latest.json');
}

/** Suites this run left out keep what the previous results file had for them, and say from which run. */
function keepEarlierResults(results: Results, only: Set<Suite>, file: string): void {
  let previous: Results;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Results;
  } catch {
    return;
  }
  for (const suite of SUITES) {
    const before = previous[suite];
    if (only.has(suite) || before === undefined || ('status' in before && before.status === 'not measured'))
      continue;
    (results as unknown as Record<Suite, unknown>)[suite] = before;
    results.earlier = {
      ...results.earlier,
      [suite]: previous.earlier?.[suite] ?? `of ${previous.date} (\`${previous.command}\`)`,
    };
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
