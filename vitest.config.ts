import { defineConfig } from 'vitest/config';

/**
 * Database and end-to-end tests start servers and child processes; their time is not measured (speed
 * is measured in bench/). Projects referenced by file do not inherit the root's test options in vitest
 * 4, so every project config spreads these.
 */
export const timeouts = { testTimeout: 60_000, hookTimeout: 120_000 } as const;

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'sql', 'test', 'bench'],
    globalSetup: ['./test/helpers/global-setup.ts'],
    ...timeouts,
  },
});
