/**
 * The crontab lines of the README (Running from cron): off a terminal, `pnpm sync` (and `pnpm run sync`,
 * `pnpm --silent sync`) writes the sync's JSON lines and exit code and nothing of pnpm's: the checkout's
 * .pnpmfile.cjs picks pnpm's silent reporter for that one command, where pnpm would otherwise add its
 * script banner and an ELIFECYCLE line. Other commands keep pnpm's own output. A bad configuration
 * (exit 2) keeps it quick: no database, no simulator.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nonJsonLines } from '../helpers/harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function pnpm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('pnpm', args, {
    cwd: ROOT,
    // no configuration at all, as a bare crontab would have it: the sync exits 2
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ENV_FILE: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('pnpm sync from cron', () => {
  for (const args of [['sync'], ['run', 'sync'], ['--silent', 'sync']]) {
    it(`pnpm ${args.join(' ')}: only the JSON lines, and the exit code`, async () => {
      const result = await pnpm(args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(nonJsonLines(result.stderr), result.stderr).toEqual([]);
      expect(result.stderr).toContain('YCLIENTS_COMPANY_IDS');
    });
  }

  it("another command keeps pnpm's own lines (the hook is for sync alone)", async () => {
    const result = await pnpm(['run', 'no-such-script']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('ERR_PNPM_NO_SCRIPT');
  });
});
