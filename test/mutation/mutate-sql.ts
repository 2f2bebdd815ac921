/**
 * `pnpm mutation:sql [--list] [--only id,id…] [--skip-e2e]`: mutation testing for the SQL merge
 * functions, which Stryker cannot mutate (issue 19). For each mutation of sql-mutations.ts:
 *
 * 1. on a private PostgreSQL (test/helpers/scratch-postgres.ts; never the shared test server), the test
 *    template the helpers clone (`tpl_yclients_<hash of sql/migrations, functions, views>`,
 *    test/helpers/database.ts) is made from a migrated database with the mutated function applied
 *    (`create or replace`). The sync's own migrate() re-applies function files only when their hash
 *    differs from the one recorded at migration, so the mutant stays in force through every run;
 * 2. the sql project's tests run against it, then (if they all pass) the e2e project's, each stopping at
 *    the first failure: a failure means the mutation is caught.
 *
 * A baseline run without mutation comes first; tests that fail there are left out of the mutation runs
 * (and listed). Results go to test/mutation/sql-report.md, written after each mutation.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS_DIRECTORY, migrate, withClient, withDatabase } from '@yclients-pg/sql';
import { migrationsHash } from '@yclients-pg/sql/testing';
import { startScratchPostgres } from '../helpers/scratch-postgres';
import { SQL_MUTATIONS, type SqlMutation } from './sql-mutations';

/** Progress on stderr (stdout stays free for `--list`). */
const say = (...parts: unknown[]) => process.stderr.write(`${parts.map(String).join(' ')}\n`);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPORT = path.join(ROOT, 'test/mutation/sql-report.md');
const BASE = 'yc_mutation_base';

interface TestRun {
  passed: boolean;
  /** the first failing test: `file > name` */
  failed?: string;
  ms: number;
}

type Outcome =
  | { kind: 'not applicable' }
  | { kind: 'invalid'; error: string }
  | { kind: 'caught'; by: string; project: string; ms: number }
  | { kind: 'survived'; ms: number };

/** Runs one vitest project against the private server, stopping at the first failure. */
async function runProject(project: 'sql' | 'e2e', adminUrl: string, skip: string[]): Promise<TestRun> {
  const out = path.join(os.tmpdir(), `yclients-mutation-${process.pid}-${project}.json`);
  const args = [
    'vitest',
    'run',
    '--project',
    project,
    '--bail',
    '1',
    '--reporter',
    'json',
    '--outputFile',
    out,
  ];
  // the e2e suites (not test/chaos: long seeded runs, for `pnpm chaos`); a CLI --exclude would not reach
  // into the project's own exclude list, a file filter does
  if (project === 'e2e') args.push('test/e2e/');
  if (skip.length > 0) args.push('--testNamePattern', `^(?!.*(${skip.map(escapeRegExp).join('|')}))`);
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const child = spawn('pnpm', args, {
      cwd: ROOT,
      env: { ...process.env, TEST_DATABASE_URL: adminUrl },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', () => resolve());
  });
  const ms = Date.now() - started;
  try {
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      numFailedTests: number;
      numFailedTestSuites: number;
      testResults: Array<{
        name: string;
        message?: string;
        assertionResults: Array<{ fullName: string; status: string }>;
      }>;
    };
    rmSync(out, { force: true });
    for (const file of report.testResults) {
      const failed = file.assertionResults.find((a) => a.status === 'failed');
      if (failed)
        return { passed: false, failed: `${path.relative(ROOT, file.name)} > ${failed.fullName}`, ms };
      if (file.message)
        return {
          passed: false,
          failed: `${path.relative(ROOT, file.name)}: ${file.message.split('\n')[0]}`,
          ms,
        };
    }
    return { passed: report.numFailedTests === 0 && report.numFailedTestSuites === 0, ms };
  } catch (error) {
    return { passed: false, failed: `no test report (${String(error)})`, ms };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names of the tests that fail without any mutation (each run to the end). */
async function baselineFailures(project: 'sql' | 'e2e', adminUrl: string): Promise<string[]> {
  const failures: string[] = [];
  for (;;) {
    const run = await runProject(project, adminUrl, failures);
    if (run.passed || !run.failed) return failures;
    const name = run.failed.split(' > ').slice(1).join(' > ');
    if (!name || failures.includes(name)) throw new Error(`baseline ${project} fails: ${run.failed}`);
    say(`baseline: ${project} fails without a mutation, left out: ${name}`);
    failures.push(name);
  }
}

/** The current text of a function file ('' when it is gone). */
function functionText(file: string): string {
  try {
    return readFileSync(path.join(FUNCTIONS_DIRECTORY, file), 'utf8');
  } catch {
    return '';
  }
}

/**
 * The test template on the private server, kept in step with the SQL files: the files may change while
 * this runs (others edit them), and the tests clone the template named after their hash. `prepare`
 * (re)builds the migrated base when the files changed and makes the template from it, mutated.
 */
function templates(adminUrl: string) {
  let built: string | null = null;
  const names = () =>
    withClient(adminUrl, async (c) =>
      (
        await c.query<{ datname: string }>(
          "select datname from pg_database where datname like 'tpl\\_yclients\\_%'",
        )
      ).rows.map((r) => r.datname),
    );
  return {
    /** the template for the files as they are now, with `text` (a mutated function file) applied */
    async prepare(text: string | null): Promise<string> {
      const hash = migrationsHash();
      const template = `tpl_yclients_${hash}`;
      await withClient(adminUrl, async (c) => {
        for (const name of await names()) await c.query(`drop database if exists ${name} with (force)`);
        if (built !== hash) {
          await c.query(`drop database if exists ${BASE} with (force)`);
          await c.query(`create database ${BASE}`);
        }
      });
      if (built !== hash) {
        await migrate(withDatabase(adminUrl, BASE));
        built = hash;
      }
      await withClient(adminUrl, (c) => c.query(`create database ${template} template ${BASE}`));
      if (text !== null) await withClient(withDatabase(adminUrl, template), (c) => c.query(text));
      return template;
    },
    /** true when the tests cloned the template prepared for them (no file changed meanwhile) */
    async held(template: string): Promise<boolean> {
      const now = await names();
      return (
        now.length === 1 && now[0] === template && migrationsHash() === template.slice('tpl_yclients_'.length)
      );
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : null;
  const skipE2e = argv.includes('--skip-e2e');
  const mutations = SQL_MUTATIONS.filter((m) => !only || only.includes(m.id));
  if (argv.includes('--list')) {
    for (const m of mutations)
      process.stdout.write(
        `${m.apply(functionText(m.file)) === null ? 'n/a ' : 'ok  '} ${m.id}: ${m.what}\n`,
      );
    return;
  }

  const started = Date.now();
  const server = await startScratchPostgres({
    prefix: 'yclients-mutation-pg-',
    settings: ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'],
    stopMode: 'fast',
  });
  say(`mutation:sql: ${server.description} at ${server.url.replace(/\/\/[^@]*@/, '//')}`);
  const results = new Map<string, Outcome>();
  const skipped: Record<'sql' | 'e2e', string[]> = { sql: [], e2e: [] };
  const projects = skipE2e ? (['sql'] as const) : (['sql', 'e2e'] as const);
  const tpl = templates(server.url);
  try {
    // baseline: the tests must pass without a mutation (those that do not are left out, and listed)
    for (const project of projects) {
      for (let attempt = 1; ; attempt++) {
        const template = await tpl.prepare(null);
        skipped[project] = await baselineFailures(project, server.url);
        if (await tpl.held(template)) break;
        if (attempt >= 3) throw new Error('the SQL files keep changing; try again later');
        say('mutation:sql: the SQL files changed during the baseline; again');
      }
    }

    for (const m of mutations) {
      let outcome: Outcome | undefined;
      for (let attempt = 1; outcome === undefined; attempt++) {
        const text = m.apply(functionText(m.file));
        if (text === null) {
          outcome = { kind: 'not applicable' };
          break;
        }
        say(`mutation:sql: ${m.id}${attempt > 1 ? ` (again: the SQL files changed, try ${attempt})` : ''}`);
        let template: string;
        try {
          template = await tpl.prepare(text);
        } catch (error) {
          outcome = { kind: 'invalid', error: String(error).split('\n')[0]! };
          break;
        }
        let result: Outcome = { kind: 'survived', ms: 0 };
        let ms = 0;
        for (const project of projects) {
          const run = await runProject(project, server.url, skipped[project]);
          ms += run.ms;
          if (!run.passed) {
            result = { kind: 'caught', by: run.failed ?? '?', project, ms };
            break;
          }
          result = { kind: 'survived', ms };
        }
        if (await tpl.held(template)) outcome = result;
        else if (attempt >= 3) throw new Error('the SQL files keep changing; try again later');
      }
      results.set(m.id, outcome);
      say(`mutation:sql: ${m.id}: ${outcome.kind}`);
      writeReport(mutations, results, skipped, server.description, started, false);
    }
    writeReport(mutations, results, skipped, server.description, started, true);
  } finally {
    await server.stop();
  }
  const survived = [...results.values()].filter((r) => r.kind === 'survived' || r.kind === 'invalid').length;
  say(`mutation:sql: ${results.size} mutations, ${survived} not caught; see ${path.relative(ROOT, REPORT)}`);
  if (survived > 0) process.exitCode = 1;
}

function writeReport(
  mutations: SqlMutation[],
  results: Map<string, Outcome>,
  skipped: Record<'sql' | 'e2e', string[]>,
  server: string,
  started: number,
  done: boolean,
): void {
  const count = (kind: Outcome['kind']) => [...results.values()].filter((r) => r.kind === kind).length;
  const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  const lines = [
    '# SQL mutation testing: results',
    '',
    'Written by `pnpm mutation:sql` (test/mutation/mutate-sql.ts; the mutations: test/mutation/sql-mutations.ts).',
    'Each mutation is applied to the test template on a private PostgreSQL; the sql tests, then the e2e tests',
    'run against it and stop at the first failure. See docs/mutation.md for how to read and extend this.',
    '',
    `- server: ${server}`,
    `- ${done ? 'finished' : 'in progress'}: ${results.size} of ${mutations.length} mutations, wall time ${minutes(Date.now() - started)}`,
    `- caught ${count('caught')}, survived ${count('survived')}, not applicable ${count('not applicable')}, invalid ${count('invalid')}`,
    ...(skipped.sql.length + skipped.e2e.length > 0
      ? [
          `- left out (failing without any mutation): ${[...skipped.sql, ...skipped.e2e].map((s) => `"${s}"`).join(', ')}`,
        ]
      : []),
    '',
    '| mutation | break | result | caught by | time |',
    '|---|---|---|---|---|',
  ];
  for (const m of mutations) {
    const r = results.get(m.id);
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    if (!r) lines.push(`| \`${m.id}\` | ${cell(m.what)} | (not run) | | |`);
    else if (r.kind === 'caught')
      lines.push(
        `| \`${m.id}\` | ${cell(m.what)} | caught (${r.project}) | ${cell(r.by)} | ${minutes(r.ms)} |`,
      );
    else if (r.kind === 'survived')
      lines.push(`| \`${m.id}\` | ${cell(m.what)} | **SURVIVED** | | ${minutes(r.ms)} |`);
    else if (r.kind === 'invalid')
      lines.push(`| \`${m.id}\` | ${cell(m.what)} | invalid SQL | ${cell(r.error)} | |`);
    else lines.push(`| \`${m.id}\` | ${cell(m.what)} | not applicable (pattern not found) | | |`);
  }
  writeFileSync(REPORT, `${lines.join('\n')}\n`);
}

main().catch((error) => {
  say(error);
  process.exit(2);
});
