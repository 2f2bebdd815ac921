/**
 * The table a human run prints at its end (engine/summary.ts): one row per entity of each company,
 * names left-aligned and numbers right-aligned under their headings, the run's requests split into the
 * entities' and the others' (sign-in, company details), the errors last.
 */
import { describe, expect, it } from 'vitest';
import { type EntitySummary, formatSummary, type SyncSummary } from '../src/engine/summary';

const entity = (over: Partial<EntitySummary>): EntitySummary => ({
  companyId: 101,
  entity: 'clients',
  status: 'succeeded',
  pages: 0,
  rows: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  quarantined: 0,
  requests: 0,
  durationMs: 0,
  repaired: 0,
  withheld: 0,
  ...over,
});

describe('formatSummary', () => {
  it('a run with several entities, requests no entity owns, and errors', () => {
    const summary: SyncSummary = {
      runId: 42,
      status: 'partial',
      dryRun: false,
      refusedCompanies: [],
      requests: 130,
      durationMs: 83_456,
      entities: [
        entity({
          entity: 'clients',
          pages: 12,
          rows: 3456,
          inserted: 3000,
          updated: 400,
          unchanged: 50,
          deleted: 6,
          quarantined: 0,
          requests: 13,
          durationMs: 12_340,
        }),
        entity({
          companyId: 2024,
          entity: 'records',
          status: 'failed',
          pages: 101,
          rows: 100_500,
          inserted: 100_000,
          updated: 500,
          quarantined: 7,
          requests: 115,
          durationMs: 65_049,
          error: 'upstream timed out',
        }),
        entity({ entity: 'staff', status: 'skipped', durationMs: 50 }),
      ],
    };
    expect(formatSummary(summary).split('\n')).toEqual([
      'run 42 partial in 83.5s, 130 requests (128 by the entities below, 2 for sign-in and company details)',
      'company  entity   status     pages    rows     ins  upd  same  del  quar  requests   time',
      '101      clients  succeeded     12    3456    3000  400    50    6     0        13  12.3s',
      '2024     records  failed       101  100500  100000  500     0    0     7       115  65.0s',
      '101      staff    skipped        0       0       0    0     0    0     0         0   0.1s',
      'errors:',
      '  records@2024: upstream timed out',
    ]);
  });

  it('a dry run without a run id, every request an entity’s, no errors', () => {
    const summary: SyncSummary = {
      runId: null,
      status: 'succeeded',
      dryRun: true,
      refusedCompanies: [],
      requests: 3,
      durationMs: 1_250,
      entities: [
        entity({ entity: 'positions', pages: 1, rows: 4, inserted: 4, requests: 3, durationMs: 900 }),
      ],
    };
    expect(formatSummary(summary).split('\n')).toEqual([
      'DRY RUN (rolled back): run - succeeded in 1.3s, 3 requests',
      'company  entity     status     pages  rows  ins  upd  same  del  quar  requests  time',
      '101      positions  succeeded      1     4    4    0     0    0     0         3  0.9s',
    ]);
  });
});
