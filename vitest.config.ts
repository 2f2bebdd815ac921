import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'sql', 'test', 'bench'],
    globalSetup: ['./test/helpers/global-setup.ts'],
    // Database and end-to-end tests start servers and child processes; their time is not measured.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
