/**
 * The crontab lines of the README (Running from cron): off a terminal, `pnpm --silent sync` leaves the
 * sync's JSON lines and exit code alone and adds nothing, while plain `pnpm sync` adds pnpm's own lines
 * on stdout (the script's banner, and ELIFECYCLE after a non-zero exit), which is why cron is not told to
 * use it. A bad configuration (exit 2) keeps it quick: no database, no simulator.
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
  it('pnpm --silent sync: only the JSON lines, and the exit code', async () => {
    const result = await pnpm(['--silent', 'sync']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(nonJsonLines(result.stderr), result.stderr).toEqual([]);
    expect(result.stderr).toContain('YCLIENTS_COMPANY_IDS');
  });

  it("plain pnpm sync: pnpm's own lines on stdout, the exit code unchanged", async () => {
    const result = await pnpm(['sync']);
    expect(result.code, result.stderr).toBe(2);
    expect(nonJsonLines(result.stderr), result.stderr).toEqual([]);
    expect(result.stdout).toContain('> yclients-pg@ sync');
    expect(result.stdout).toContain('ELIFECYCLE');
  });
});
