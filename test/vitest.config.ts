import { defineProject } from 'vitest/config';

// test/pending waits for the simulator's HTTP server (see test/pending/README.md).
export default defineProject({ test: { name: 'e2e', exclude: ['pending/**', '**/node_modules/**'] } });
