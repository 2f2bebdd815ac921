import type { MergeCounts } from '@yclients-pg/sql';
import type { EntityName } from '../entities/names';

/** `partial`: merged, but deletes were withheld by the brake (design §9). */
export type EntityOutcome = 'succeeded' | 'partial' | 'failed' | 'skipped';

export interface EntitySummary extends MergeCounts {
  companyId: number;
  entity: EntityName;
  status: EntityOutcome;
  pages: number;
  rows: number;
  requests: number;
  durationMs: number;
  /** Characters fixed in the rows (U+0000 dropped, lone surrogates replaced). */
  repaired: number;
  /** Soft-deletes the brake withheld. */
  withheld: number;
  error?: string;
  /** YClients refused access (401/402/403) rather than failing. */
  refused?: boolean;
}

export interface SyncSummary {
  runId: number | null;
  status: 'succeeded' | 'partial' | 'failed';
  dryRun: boolean;
  entities: EntitySummary[];
  /** Companies YClients refused outright (credentials or licence). */
  refusedCompanies: number[];
  requests: number;
  durationMs: number;
}

/** A fixed-width table of a run, for the end of a human run. */
export function formatSummary(summary: SyncSummary): string {
  const head = [
    'company',
    'entity',
    'status',
    'pages',
    'rows',
    'ins',
    'upd',
    'same',
    'del',
    'quar',
    'requests',
    'time',
  ];
  const body = summary.entities.map((e) => [
    String(e.companyId),
    e.entity,
    e.status,
    String(e.pages),
    String(e.rows),
    String(e.inserted),
    String(e.updated),
    String(e.unchanged),
    String(e.deleted),
    String(e.quarantined),
    String(e.requests),
    `${(e.durationMs / 1000).toFixed(1)}s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  // The run's requests are the entities' (the table's column, and sync_run_entities.requests) plus the
  // few no entity owns (sign-in, each company's time zone): said apart, so the numbers add up.
  const byEntities = summary.entities.reduce((sum, e) => sum + e.requests, 0);
  const others = summary.requests - byEntities;
  const requests =
    others > 0
      ? `${summary.requests} requests (${byEntities} by the entities below, ${others} for sign-in and company details)`
      : `${summary.requests} requests`;
  const title = `${summary.dryRun ? 'DRY RUN (rolled back): ' : ''}run ${summary.runId ?? '-'} ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)}s, ${requests}`;
  const errors = summary.entities
    .filter((e) => e.error)
    .map((e) => `  ${e.entity}@${e.companyId}: ${e.error}`);
  return [title, line(head), ...body.map(line), ...(errors.length ? ['errors:', ...errors] : [])].join('\n');
}
