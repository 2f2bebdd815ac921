/**
 * Suites 3 and 4 need the whole chain: the simulator as an HTTP server in its own process and `pnpm sync`
 * in another. Until the simulator and the sync can run end to end, the suites report why they were not
 * measured instead of inventing numbers.
 */
import { execFileSync } from 'node:child_process';
import type { MemoryResult, NotMeasured, RequestResult } from './report';

export interface SyncSuiteOptions {
  serverUrl: string;
  quick: boolean;
  log: (line: string) => void;
}

function headCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Why the end-to-end chain cannot run yet, or null when it can. */
export async function endToEndBlocker(): Promise<string | null> {
  const fake = (await import('@yclients-pg/yclients-fake')) as Record<string, unknown>;
  if (typeof fake.createYclientsFake !== 'function') {
    return `packages/yclients-fake does not export createYclientsFake yet (checked at commit ${headCommit()}), so there is no simulator to sync from.`;
  }
  return null;
}

export async function runRequestSuite(options: SyncSuiteOptions): Promise<RequestResult | NotMeasured> {
  const blocker = await endToEndBlocker();
  if (blocker) {
    options.log(`  not measured: ${blocker}`);
    return { status: 'not measured', reason: blocker };
  }
  throw new Error('request suite: simulator available but the driver is not written yet');
}

export async function runMemorySuite(options: SyncSuiteOptions): Promise<MemoryResult | NotMeasured> {
  const blocker = await endToEndBlocker();
  if (blocker) {
    options.log(`  not measured: ${blocker}`);
    return { status: 'not measured', reason: blocker };
  }
  throw new Error('memory suite: simulator available but the driver is not written yet');
}
