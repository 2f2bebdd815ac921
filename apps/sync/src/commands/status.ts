/**
 * `pnpm sync status`: is a run going on, the last runs, and per company and entity the checkpoint, the
 * retry state and the lag since the last successful sync.
 */
import { sql } from '@databases/pg';
import { lockedCompanies, migrate } from '@yclients-pg/sql';
import { openDatabase } from '../engine/run-sync';
import type { Logger } from '../log/logger';
import { readDatabaseUrl } from './database-url';

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
  const { db, url, close } = await openDatabase({ databaseUrl: readDatabaseUrl(env) }, { log, env });
  try {
    await migrate(url, { log: (m: string) => log.debug(m) });
    const locked = await lockedCompanies(db);
    const runs = await db.query(sql`
      select id, status, started_at, finished_at, options -> 'companyIds' as companies, error
      from yclients_sync.sync_runs order by id desc limit 5`);
    const states = await db.query(sql`
      select s.company_id, s.entity, s.status, s.last_id, s.last_ordinal, s.cursor ->> 'mode' as mode,
             s.try_count, s.next_try_at, s.last_error, s.updated_at,
             (select max(e.finished_at) from yclients_sync.sync_run_entities e
               where e.company_id = s.company_id and e.entity = s.entity and e.status = 'succeeded') as last_success
      from yclients_sync.sync_state s order by s.company_id, s.entity`);
    // Rows upstream sent that cannot be stored, by reason (the rows themselves stay in the table).
    const quarantine = await db.query(sql`
      select company_id, entity, count(*)::int as rows, min(first_seen_at) as first_seen,
             max(last_seen_at) as last_seen, (array_agg(reason order by last_seen_at desc))[1] as latest_reason
      from yclients_sync.quarantine group by company_id, entity order by company_id, entity`);
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
              r.finished_at ? `${((r.finished_at - r.started_at) / 1000).toFixed(1)}s` : '-',
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
