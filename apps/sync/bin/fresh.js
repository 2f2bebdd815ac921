/**
 * The CLI runs as prebuilt JavaScript (`apps/sync/dist`, built by `pnpm install`'s `prepare`), never as
 * TypeScript compiled at each start. So that it never runs stale code either, every start compares the
 * sources the bundle is made of (their number and newest change time, a few milliseconds to read) with
 * what the last build saw, and rebuilds first when they differ: an edit in `src/`, a `git pull` without
 * `pnpm install`. The rebuild's output is kept off stdout; one log line on stderr says it happened.
 *
 * `node apps/sync/bin/fresh.js` builds unconditionally (the package's `build` script).
 *
 * Plain JavaScript on purpose: this file must run before anything is built.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(APP, '..', '..');
/** What the bundle is built from: the workspace sources it inlines and its build settings. */
const INPUTS = [
  'apps/sync/src',
  'sql/src',
  'packages/yclients-sdk/src',
  'apps/sync/tsup.config.ts',
  'apps/sync/package.json',
];
const DIST = path.join(APP, 'dist');
const STAMP = path.join(DIST, '.sources');
const LOCK = path.join(APP, '.build.lock');

/** `<files>:<newest mtime>` of the inputs. */
export function sourceState() {
  let files = 0;
  let newest = 0;
  const visit = (p) => {
    let info;
    try {
      info = statSync(p);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      for (const name of readdirSync(p)) visit(path.join(p, name));
      return;
    }
    files += 1;
    newest = Math.max(newest, info.mtimeMs);
  };
  for (const input of INPUTS) visit(path.join(ROOT, input));
  return `${files}:${newest}`;
}

export function isFresh(state = sourceState()) {
  try {
    return readFileSync(STAMP, 'utf8') === state;
  } catch {
    return false;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** One build at a time per checkout: a process that finds another building waits for it. */
function withLock(fn) {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(LOCK, 'utf8'));
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder) || attempt > 1200) {
        rmSync(LOCK, { force: true });
        continue;
      }
      sleep(50);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** A log line in the CLI's format: one JSON object off a terminal (or with --json), plain text on one. */
export function logLine(level, event, fields = {}) {
  const json = !process.stderr.isTTY || process.argv.includes('--json');
  process.stderr.write(
    json
      ? `${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`
      : `${level === 'error' ? 'ERROR ' : ''}${event}\n`,
  );
}

function fail(message) {
  logLine('error', message, { exitCode: 1 });
  process.exit(1);
}

/**
 * Builds dist/ with tsup; returns tsup's output. The build goes to a scratch directory and its files are
 * then renamed into dist/ (chunks first, the entry points last), so a CLI starting at that moment reads
 * either the old files or the new ones, never a half-written one. Chunk names carry a content hash; the
 * chunks of older builds are removed once they are a minute old (a CLI imports its chunks within its
 * first moments).
 */
export function build() {
  let tsupCli;
  try {
    tsupCli = path.join(path.dirname(createRequire(import.meta.url).resolve('tsup')), 'cli-default.js');
  } catch {
    fail('the build tool (tsup) is missing: run `pnpm install` in the checkout');
  }
  // Seen before the build starts: an edit made while it runs leaves the next start to build again.
  const state = sourceState();
  const scratch = path.join(DIST, `.next-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsupCli, '--out-dir', scratch], {
    cwd: APP,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    fail(`building the CLI failed: ${result.stdout}${result.stderr}`);
  }
  const built = readdirSync(scratch);
  const entries = new Set(['bin.js']);
  mkdirSync(DIST, { recursive: true });
  for (const name of [...built.filter((n) => !entries.has(n)), ...built.filter((n) => entries.has(n))]) {
    renameSync(path.join(scratch, name), path.join(DIST, name));
  }
  rmSync(scratch, { recursive: true, force: true });
  const cutoff = Date.now() - 60_000;
  for (const name of readdirSync(DIST)) {
    if (name.startsWith('.') || built.includes(name)) continue;
    const file = path.join(DIST, name);
    if (statSync(file).mtimeMs < cutoff) rmSync(file, { recursive: true, force: true });
  }
  writeFileSync(STAMP, state);
  return `${result.stdout}${result.stderr}`;
}

/** Makes sure dist/ matches the sources, building (under the lock) when it does not. */
export function ensureFresh() {
  if (!existsSync(path.join(ROOT, 'node_modules', '.modules.yaml'))) {
    fail(
      'this project is installed with pnpm, not npm: `npm install --global pnpm@10.34.9 && pnpm install`, ' +
        'then `pnpm sync` (or node_modules/.bin/yclients-sync)',
    );
  }
  if (isFresh()) return;
  withLock(() => {
    if (isFresh()) return; // another process built it while we waited
    logLine('info', 'building the CLI: its sources changed since the last build');
    build();
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  withLock(() => process.stdout.write(build()));
}
