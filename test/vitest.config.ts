import { defineProject } from 'vitest/config';
import { timeouts } from '../vitest.config.js';

// End-to-end runs go through the SDK's real retry backoff (seconds, not minutes).
export default defineProject({
  test: { name: 'e2e', ...timeouts, testTimeout: 120_000, exclude: ['**/node_modules/**'] },
});
