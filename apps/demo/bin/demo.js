#!/usr/bin/env node
/**
 * `pnpm demo`: runs src/demo.ts (TypeScript, through tsx: the simulator it starts is TypeScript source).
 * Plain JavaScript on purpose, so that after a plain `npm install` it can say what to run instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
if (!existsSync(path.join(ROOT, 'node_modules', '.modules.yaml'))) {
  process.stderr.write(
    'this project is installed with pnpm, not npm: `npm install --global pnpm@10.34.9 && pnpm install`, ' +
      'then `pnpm demo`\n',
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../src/demo.ts');
