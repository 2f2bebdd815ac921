#!/usr/bin/env -S node --max-old-space-size=128
/**
 * `yclients-sync`: the sync command for cron and systemd (and `pnpm sync`). One Node process running the
 * prebuilt CLI in ../dist; rebuilt first only when its sources changed (see fresh.js). The heap cap keeps
 * memory flat on long runs (bench/README.md).
 */
import module from 'node:module';
import { ensureFresh } from './fresh.js';

// Node 22+: keep compiled code between starts (Node 20 has no such cache; it starts as it is).
module.enableCompileCache?.();

ensureFresh();
await import('../dist/bin.js');
