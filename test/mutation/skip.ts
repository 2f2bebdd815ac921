/**
 * Setup file of the mutation runs' e2e project (test/mutation/vitest.config.ts): skips the tests named
 * in MUTATION_SKIP_TESTS (`|`-separated names). Stryker sets each run's test name filter itself, so a
 * `testNamePattern` in the config would not hold.
 */
import { beforeEach } from 'vitest';

const skip = (process.env.MUTATION_SKIP_TESTS ?? '').split('|').filter(Boolean);

beforeEach((context) => {
  if (skip.some((name) => context.task.name.includes(name))) context.skip();
});
