// Mutation testing (issue 19): `pnpm mutation` (scripts/mutation.mjs), never part of `pnpm test`.
// Three targets, each against the tests that can kill its mutants (test/mutation/vitest.config.ts):
//   MUTATION_TARGET=sdk        packages/yclients-sdk/src, against the SDK's unit tests
//   MUTATION_TARGET=cli        apps/sync/src: the CLI, configuration, logging and redaction, against the
//                              sync's unit tests and the e2e suites about exit codes and secrets
//   MUTATION_TARGET=pipelines  apps/sync/src: the entity pipelines, the run engine and its database
//                              session, against the sync's unit tests and the in-process e2e suites
// Incremental: each target keeps its results in reports/mutation/incremental-<target>.json (not
// committed: megabytes that change with every run), so a later run on the same checkout tests again
// only the mutants whose code or tests changed. Scores and surviving mutants: test/mutation/survivors-
// <target>.md (written by scripts/mutation.mjs) and docs/mutation.md, both committed.
const target = process.env.MUTATION_TARGET ?? 'pipelines';
// MUTATION_E2E=0: the unit tests only (test/mutation/vitest.config.ts), results kept apart
// (<target>-unit): a lower bound of the score in minutes, where the e2e suites take hours on two cores
const name = process.env.MUTATION_E2E === '0' ? `${target}-unit` : target;

const mutate = {
  sdk: [
    'packages/yclients-sdk/src/**/*.ts',
    // generated types, type-only modules and re-exports: nothing to mutate at run time
    '!packages/yclients-sdk/src/generated/**',
    '!packages/yclients-sdk/src/types.ts',
    '!packages/yclients-sdk/src/index.ts',
  ],
  cli: [
    'apps/sync/src/cli/**/*.ts',
    'apps/sync/src/log/**/*.ts',
    'apps/sync/src/commands/**/*.ts',
    'apps/sync/src/config.ts',
    'apps/sync/src/time.ts',
    'apps/sync/src/errors.ts',
    // the embedded database command needs a server binary; it runs as a child process in its e2e test
    '!apps/sync/src/commands/db.ts',
  ],
  pipelines: ['apps/sync/src/entities/**/*.ts', 'apps/sync/src/engine/**/*.ts'],
  // (not mutated: apps/sync/src/bin.ts and demo.ts, the process entries that run only as child
  // processes, and index.ts, re-exports)
}[target];
if (!mutate) throw new Error(`MUTATION_TARGET must be sdk, cli or pipelines, not ${target}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate,
  // what the sandbox needs: the packages, the SQL, the tests; not the data, benchmarks or reports
  ignorePatterns: [
    '.data',
    'bench',
    'docs',
    'reports',
    'coverage',
    '.changeset',
    '.ci',
    'test/chaos',
    'apps/sync/dist',
    'apps/sync/.build.lock',
    'packages/*/dist',
  ],
  // mutants of module-level constants run under every test: costly. Left out unless MUTATION_STATIC=1
  // (run so for a file whose constants are its logic, e.g. the redaction's regular expressions:
  // `MUTATION_STATIC=1 pnpm mutation cli -- --mutate apps/sync/src/log/redact.ts`)
  ignoreStatic: process.env.MUTATION_STATIC !== '1',
  incremental: true,
  incrementalFile: `reports/mutation/incremental-${name}.json`,
  // the machine has two cores, shared; each e2e test makes its own database
  concurrency: 2,
  timeoutMS: 20_000,
  // the initial run of the pipelines target runs every in-process e2e suite: far more than Stryker's
  // default of 5 minutes on two shared cores
  dryRunTimeoutMinutes: 40,
  timeoutFactor: 2,
  disableTypeChecks: true,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
