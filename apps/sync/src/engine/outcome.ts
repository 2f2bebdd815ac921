/**
 * How a run ended, from what happened to each entity and company: its status in the run log, its error
 * text, and the typed error that gives the exit code (cli/exit-codes.ts).
 */
import { CredentialsRefusedError, PartialSyncError } from '../errors';
import type { EntitySummary, SyncSummary } from './summary';

export function runOutcome(
  summaries: EntitySummary[],
  refusedCompanies: number[],
  companyIds: number[],
): {
  status: SyncSummary['status'];
  error: string | undefined;
  everythingRefused: boolean;
  failed: EntitySummary[];
} {
  // An entity still waiting for its next try after a failure is a failure of this run too: its data is
  // as stale as it was, and cron must keep seeing it (exit 5) until a run gets it through.
  const failed = summaries.filter((s) => s.status !== 'succeeded');
  const attempted = summaries.filter((s) => s.status !== 'skipped');
  const everythingRefused =
    companyIds.length === refusedCompanies.length ||
    (attempted.length > 0 && attempted.every((s) => s.refused));
  // `failed` holds the skipped and partial entities too: the run failed when every entity it attempted
  // failed outright (comparing the two counts called a run with one entity synced and one skipped failed)
  const status: SyncSummary['status'] =
    everythingRefused || (attempted.length > 0 && attempted.every((s) => s.status === 'failed'))
      ? 'failed'
      : failed.length > 0 || refusedCompanies.length > 0
        ? 'partial'
        : 'succeeded';
  const error =
    failed.map((f) => `${f.entity}@${f.companyId}: ${f.error}`).join('; ') ||
    (refusedCompanies.length ? `refused: ${refusedCompanies.join(', ')}` : undefined);
  return { status, error, everythingRefused, failed };
}

/** Exit 4 when YClients refused everything, exit 5 when anything else did not succeed. */
export function throwUnlessSucceeded(
  summary: SyncSummary,
  { everythingRefused, failed }: { everythingRefused: boolean; failed: EntitySummary[] },
): void {
  const { status, refusedCompanies } = summary;
  if (everythingRefused) {
    throw Object.assign(
      new CredentialsRefusedError('YClients refused the credentials or the licence for every company'),
      { summary },
    );
  }
  if (status !== 'succeeded') {
    throw Object.assign(
      new PartialSyncError([
        ...failed.map((f) => ({ companyId: f.companyId, entity: f.entity, error: f.error ?? '' })),
        ...refusedCompanies.map((c) => ({ companyId: c, entity: 'company', error: 'access refused' })),
      ]),
      { summary },
    );
  }
}
