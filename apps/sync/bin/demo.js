#!/usr/bin/env node
/** `pnpm demo`: the prebuilt demo in ../dist, rebuilt first only when its sources changed (fresh.js). */
import module from 'node:module';
import { ensureFresh } from './fresh.js';

// Node 22+: keep compiled code between starts (Node 20 has no such cache; it starts as it is).
module.enableCompileCache?.();

ensureFresh();
await import('../dist/demo.js');
