/**
 * `pnpm sync status`: is a run going on, the last runs, and per company and entity the checkpoint, the
 * retry state and the lag since the last successful sync.
 */
import { readSyncStatus } from '@yclients-pg/sql';
import { readDatabaseUrl } from '../config';
import { openDatabase } from '../engine/database';
import type { Logger } from '../log/logger';

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function ago(date: Date | null): string {
  if (!date) return '-';
  const s = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export async function runStatus(
  env: NodeJS.ProcessEnv,
  log: Logger,
  options: { json: boolean },
): Promise<string> {
  const { db, close } = await openDatabase({ databaseUrl: readDatabaseUrl(env) }, { log, env });
  try {
    // Never migrates: a read-only monitoring role can run it (README, least privilege).
    const { runningFor: locked, runs, states, quarantine } = await readSyncStatus(db);
    if (options.json) return JSON.stringify({ runningFor: locked, runs, states, quarantine });
    const out: string[] = [];
    out.push(
      locked.length
        ? `A sync is running now for compan${locked.length > 1 ? 'ies' : 'y'} ${locked.join(', ')}.`
        : 'No sync is running now.',
    );
    out.push('', 'Last runs:');
    out.push(
      runs.length
        ? table(
            ['run', 'status', 'started', 'took', 'companies', 'error'],
            runs.map((r) => [
              String(r.id),
              r.status,
              r.started_at.toISOString(),
              r.finished_at
                ? `${((r.finished_at.getTime() - r.started_at.getTime()) / 1000).toFixed(1)}s`
                : '-',
              (r.companies ?? []).join(','),
              (r.error ?? '').slice(0, 80),
            ]),
          )
        : '(no runs yet)',
    );
    out.push('', 'Entities:');
    out.push(
      states.length
        ? table(
            ['company', 'entity', 'state', 'last ok', 'checkpoint', 'tries', 'next try', 'last error'],
            states.map((s) => [
              String(s.company_id),
              s.entity,
              s.status,
              ago(s.last_success),
              s.last_ordinal !== null ? `#${s.last_ordinal} id ${s.last_id}` : (s.mode ?? '-'),
              String(s.try_count ?? 0),
              s.next_try_at ? s.next_try_at.toISOString() : '-',
              (s.last_error ?? '').slice(0, 60),
            ]),
          )
        : '(nothing synced yet)',
    );
    out.push(
      '',
      'Quarantined rows (upstream sent them, they cannot be stored; see yclients_sync.quarantine):',
    );
    out.push(
      quarantine.length
        ? table(
            ['company', 'entity', 'rows', 'first seen', 'last seen', 'latest reason'],
            quarantine.map((q) => [
              String(q.company_id),
              q.entity,
              String(q.rows),
              ago(q.first_seen),
              ago(q.last_seen),
              (q.latest_reason ?? '').slice(0, 80),
            ]),
          )
        : '(none)',
    );
    return out.join('\n');
  } finally {
    await close();
  }
}
