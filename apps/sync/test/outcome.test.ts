/**
 * How a run ends (engine/outcome.ts), each mix of entity and company outcomes on its own (issue 19,
 * surviving mutants): the end-to-end suites see a run's status only through whole runs, and reach a few
 * of these mixes (one company refused beside a good one, every company refused, one entity failing).
 * The exit code is the thrown error's class (cli/exit-codes.ts, tested in exit-codes.test.ts).
 */
import { zeroCounts } from '@yclients-pg/sql';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../src/cli/exit-codes';
import { runOutcome, throwUnlessSucceeded } from '../src/engine/outcome';
import type { EntityOutcome, EntitySummary, SyncSummary } from '../src/engine/summary';
import { CredentialsRefusedError, PartialSyncError } from '../src/errors';

function entity(
  companyId: number,
  name: EntitySummary['entity'],
  status: EntityOutcome,
  extra: Partial<EntitySummary> = {},
): EntitySummary {
  return {
    companyId,
    entity: name,
    status,
    pages: 0,
    rows: 0,
    requests: 0,
    durationMs: 0,
    repaired: 0,
    withheld: 0,
    ...zeroCounts(),
    ...(status === 'succeeded' ? {} : { error: `${name} went wrong` }),
    ...extra,
  };
}

/** The run's status and error text, and the exit code the CLI gives it. */
function end(summaries: EntitySummary[], refused: number[], companies: number[]) {
  const outcome = runOutcome(summaries, refused, companies);
  const summary: SyncSummary = {
    runId: 1,
    status: outcome.status,
    dryRun: false,
    entities: summaries,
    refusedCompanies: refused,
    requests: 0,
    durationMs: 0,
  };
  let thrown: unknown;
  try {
    throwUnlessSucceeded(summary, outcome);
  } catch (error) {
    thrown = error;
  }
  return { ...outcome, thrown, exit: thrown === undefined ? 0 : exitCodeFor(thrown) };
}

describe('the outcome of a run', () => {
  it('everything synced: succeeded, no error text, exit 0', () => {
    const r = end([entity(1, 'clients', 'succeeded'), entity(1, 'records', 'succeeded')], [], [1]);
    expect(r).toMatchObject({ status: 'succeeded', error: undefined, everythingRefused: false, failed: [] });
    expect(r.thrown).toBeUndefined();
    expect(r.exit).toBe(0);
  });

  it('one entity failed beside one that synced: partial, exit 5, the failure named', () => {
    const bad = entity(1, 'records', 'failed');
    const r = end([entity(1, 'clients', 'succeeded'), bad], [], [1]);
    expect(r.status).toBe('partial');
    expect(r.error).toBe('records@1: records went wrong');
    expect(r.failed).toEqual([bad]);
    expect(r.thrown).toBeInstanceOf(PartialSyncError);
    expect((r.thrown as PartialSyncError).failures).toEqual([
      { companyId: 1, entity: 'records', error: 'records went wrong' },
    ]);
    expect((r.thrown as { summary: SyncSummary }).summary.status).toBe('partial');
    expect(r.exit).toBe(5);
  });

  it('every attempted entity failed (not refused): failed, exit 5, every failure named in order', () => {
    const r = end(
      [entity(1, 'clients', 'failed'), entity(2, 'records', 'failed', { error: 'x' })],
      [],
      [1, 2],
    );
    expect(r.status).toBe('failed');
    expect(r.everythingRefused).toBe(false);
    expect(r.error).toBe('clients@1: clients went wrong; records@2: x');
    expect(r.exit).toBe(5);
  });

  it('a failure without an error text still counts, with an empty text', () => {
    const r = end(
      [entity(1, 'clients', 'succeeded'), entity(1, 'staff', 'failed', { error: undefined })],
      [],
      [1],
    );
    expect(r.status).toBe('partial');
    expect((r.thrown as PartialSyncError).failures).toEqual([{ companyId: 1, entity: 'staff', error: '' }]);
  });

  it('withheld deletes (an entity partial) beside a synced one: partial, exit 5', () => {
    const r = end([entity(1, 'clients', 'partial'), entity(1, 'records', 'succeeded')], [], [1]);
    expect(r.status).toBe('partial');
    expect(r.exit).toBe(5);
  });

  it('an entity skipped while it waits for its next try is a failure of the run too: partial, exit 5', () => {
    const r = end([entity(1, 'clients', 'succeeded'), entity(1, 'records', 'skipped')], [], [1]);
    expect(r.status).toBe('partial');
    expect(r.failed.map((f) => f.entity)).toEqual(['records']);
    expect(r.exit).toBe(5);
  });

  it('every entity skipped: partial (nothing was attempted, so nothing failed outright), exit 5', () => {
    const r = end([entity(1, 'clients', 'skipped'), entity(1, 'records', 'skipped')], [], [1]);
    expect(r.status).toBe('partial');
    expect(r.everythingRefused).toBe(false);
    expect(r.exit).toBe(5);
  });

  it('the one attempted entity failed, the other skipped: failed (nothing attempted got through), exit 5', () => {
    const r = end([entity(1, 'clients', 'failed'), entity(1, 'records', 'skipped')], [], [1]);
    expect(r.status).toBe('failed');
    expect(r.error).toBe('clients@1: clients went wrong; records@1: records went wrong');
    expect(r.exit).toBe(5);
  });

  it('as many entities skipped as synced: partial, not failed (half the data got through)', () => {
    const r = end(
      [
        entity(1, 'clients', 'succeeded'),
        entity(1, 'staff', 'succeeded'),
        entity(1, 'records', 'skipped'),
        entity(1, 'transactions', 'skipped'),
      ],
      [],
      [1],
    );
    expect(r.status).toBe('partial');
    expect(r.exit).toBe(5);
  });

  it('every attempted entity had deletes withheld: partial (their rows merged), exit 5', () => {
    const r = end([entity(1, 'clients', 'partial'), entity(1, 'records', 'partial')], [], [1]);
    expect(r.status).toBe('partial');
    expect(r.exit).toBe(5);
  });

  it('one company refused, the other synced: partial, exit 5, the refused company named', () => {
    const r = end([entity(2, 'clients', 'succeeded')], [1], [1, 2]);
    expect(r.status).toBe('partial');
    expect(r.everythingRefused).toBe(false);
    expect(r.error).toBe('refused: 1');
    expect((r.thrown as PartialSyncError).failures).toEqual([
      { companyId: 1, entity: 'company', error: 'access refused' },
    ]);
    expect(r.exit).toBe(5);
  });

  it('an entity failure and a refused company: the entity failures are the error text, both are failures', () => {
    const r = end([entity(2, 'clients', 'failed'), entity(2, 'records', 'succeeded')], [1], [1, 2]);
    expect(r.error).toBe('clients@2: clients went wrong');
    expect((r.thrown as PartialSyncError).failures).toEqual([
      { companyId: 2, entity: 'clients', error: 'clients went wrong' },
      { companyId: 1, entity: 'company', error: 'access refused' },
    ]);
  });

  it('every company refused: failed, exit 4', () => {
    const r = end([], [1, 2], [1, 2]);
    expect(r).toMatchObject({ status: 'failed', everythingRefused: true, error: 'refused: 1, 2' });
    expect(r.thrown).toBeInstanceOf(CredentialsRefusedError);
    expect((r.thrown as Error).message).toBe(
      'YClients refused the credentials or the licence for every company',
    );
    expect((r.thrown as { summary: SyncSummary }).summary.refusedCompanies).toEqual([1, 2]);
    expect(r.exit).toBe(4);
  });

  it('every attempted entity refused (401/403 on its reads): failed, exit 4', () => {
    const r = end(
      [entity(1, 'clients', 'failed', { refused: true }), entity(1, 'records', 'failed', { refused: true })],
      [],
      [1],
    );
    expect(r.status).toBe('failed');
    expect(r.everythingRefused).toBe(true);
    expect(r.exit).toBe(4);
  });

  it('some entities refused, another failed otherwise: exit 5, not 4', () => {
    const r = end(
      [entity(1, 'clients', 'failed', { refused: true }), entity(1, 'records', 'failed')],
      [],
      [1],
    );
    expect(r.status).toBe('failed');
    expect(r.everythingRefused).toBe(false);
    expect(r.exit).toBe(5);
  });

  it('one company refused and the other entirely skipped: not everything refused, exit 5', () => {
    const r = end([entity(2, 'clients', 'skipped')], [1], [1, 2]);
    expect(r.everythingRefused).toBe(false);
    expect(r.status).toBe('partial');
    expect(r.exit).toBe(5);
  });
});
