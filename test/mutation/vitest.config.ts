/**
 * The tests Stryker runs against each mutant (`pnpm mutation`, stryker.config.mjs): not `pnpm test`.
 *
 * Stryker copies the project into a sandbox and mutates the copies, but pnpm's workspace links
 * (`node_modules/@yclients-pg/*`) point back at the original sources; the aliases below make every
 * import of a workspace package load the sandbox's (mutated) copy, so the end-to-end tests, which
 * import `@yclients-pg/sync` and run the CLI in-process, see the mutant. Tests that run the sync as a
 * child process (SIGKILL, lock loss) run unmutated code and can kill no mutant.
 *
 * MUTATION_TARGET picks the tests:
 * - `sdk`: the SDK's unit tests (the packed-tarball test, which builds and installs, left out);
 * - `cli`: the sync's unit tests and the e2e suites that check exit codes and secrets;
 * - `pipelines`: the sync's unit tests and the e2e suites that run the sync in-process against the
 *   simulator, without the few whose length is their point (SKIP below).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = process.env.MUTATION_TARGET ?? 'pipelines';

const alias = [
  ['@yclients-pg/sync', 'apps/sync/src/index.ts'],
  ['@yclients-pg/sdk', 'packages/yclients-sdk/src/index.ts'],
  ['@yclients-pg/sql', 'sql/src/index.ts'],
  ['@yclients-pg/yclients-fake', 'packages/yclients-fake/src/index.ts'],
].map(([name, file]) => ({ find: new RegExp(`^${name}$`), replacement: path.join(root, file!) }));

/** End-to-end tests left out of the mutation runs (`pnpm test` runs them): too long for every mutant, or no use. */
const SKIP = [
  'several windows, visit times tied across page boundaries',
  'the full load resumes at its position',
  // the comparison's own self-test (every column changed once): it tests the test helper, not the sync
  'every column of every table, full rows and stubs',
  // retry backoff of several seconds per test, for paths the shorter storm tests take too
  'a storm longer than the retry budget',
  'an answer above YCLIENTS_MAX_RESPONSE_MB',
  // the lock is lost in a child process (unmutated code: it can kill no mutant), at a moment that
  // the sandbox's slower, instrumented code makes vary (see docs/mutation.md)
  'a run whose lock session is terminated stops without writing again',
];

const e2e = (include: string[]) => ({
  extends: true as const,
  test: {
    name: 'e2e',
    root: path.join(root, 'test'),
    include,
    testTimeout: 120_000,
    globalSetup: [path.join(root, 'test/helpers/global-setup.ts')],
    setupFiles: [path.join(root, 'test/mutation/skip.ts')],
    env: { MUTATION_SKIP_TESTS: SKIP.join('|') },
  },
});
const syncUnit = {
  extends: true as const,
  test: { name: 'sync', root: path.join(root, 'apps/sync'), include: ['test/**/*.test.ts'] },
};

const projects = {
  sdk: [
    {
      extends: true as const,
      test: {
        name: 'sdk',
        root: path.join(root, 'packages/yclients-sdk'),
        include: ['test/**/*.test.ts'],
        exclude: ['test/package.test.ts', '**/node_modules/**'],
      },
    },
  ],
  cli: [syncUnit, e2e(['e2e/sync.test.ts', 'e2e/paths.test.ts', 'e2e/hardening.test.ts'])],
  pipelines: [
    syncUnit,
    e2e([
      'e2e/sync.test.ts',
      'e2e/paths.test.ts',
      'e2e/data-safety.test.ts',
      'e2e/exactness.test.ts',
      'e2e/contract.test.ts',
    ]),
  ],
}[target];
if (!projects) throw new Error(`MUTATION_TARGET must be sdk, cli or pipelines, not ${target}`);
// MUTATION_E2E=0: the unit tests only (a lower bound of the score, in minutes instead of hours)
const chosen = process.env.MUTATION_E2E === '0' ? projects.filter((p) => p.test.name !== 'e2e') : projects;

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: chosen,
  },
});
