/**
 * The records full load's tie-day re-read, end to end (issue 19, "exercise every path"). Records are
 * sorted by visit time only, and rows at the same time come back in a different order on every request
 * (yclients-open-questions Q1), so a group of tied rows longer than the page a request reads cannot be
 * read whole by position: the pages over it repeat some of its rows and miss others. The full load lands
 * such a group as it comes, notes its day, and when the window's distinct ids fall short of its total
 * reads that whole day again (apps/sync/src/entities/records.ts: readWindowPass, readDay, fullLoad). The
 * simulator's `tiedRecords` makes such a salon; the real sync runs against it over HTTP into a real
 * PostgreSQL. Skipping readDay fails both tests: no request asks for the tie's day alone, and (second
 * test) the window needs a second pass.
 */
import type { WireRow } from '@yclients-pg/yclients-fake';
import { describe, expect, it } from 'vitest';
import { compareWithTruth } from '../helpers/compare';
import { runSync, useHarness } from '../helpers/harness';

const COMPANY = 101;
const REREAD = 'records: re-reading the days where tied rows straddled a page boundary';
const INCOMPLETE = 'records: window incomplete (ties or rows moved between pages), reading it again';

const e2e = useHarness();

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * A salon of `records` visits, `tiedRecords` of them at one minute, synced once (`--verbose`, for the
 * debug event of the re-read). Checks what must hold whatever the shuffles drew: the run exits 0, the tie's
 * day was read again on its own, and every live record upstream is stored and live (the whole database
 * agrees with the simulator). Returns the tie's shape and how many passes the window needed.
 */
async function syncTie(records: number, tiedRecords: number) {
  const h = await e2e.start({
    seed: 19,
    rateLimit: false,
    companies: [{ id: COMPANY, clients: 200, records, tiedRecords, transactions: 300 }],
  });
  const upstream = [...h.fake.company(COMPANY).records.list()];
  const byTime = new Map<string, WireRow[]>();
  for (const r of upstream) {
    const group = byTime.get(String(r.datetime)) ?? [];
    group.push(r);
    byTime.set(String(r.datetime), group);
  }
  const [tieTime, tied] = [...byTime].sort((a, b) => b[1].length - a[1].length)[0]!;
  const tieDay = tieTime.slice(0, 10); // company-local, as the wire writes it
  const newer = upstream.filter((r) => Date.parse(String(r.datetime)) > Date.parse(tieTime));

  const result = await runSync(h.env, ['--verbose']);
  expect(result.code, result.stderr).toBe(0);

  // the window came up short because of the tie, and the tie's day was read again on its own
  const rereads = result.logs.filter((l) => l.event === REREAD);
  expect(rereads.length).toBeGreaterThan(0);
  for (const l of rereads) expect(l.days).toEqual([tieDay]);
  const dayReads = h.fake.requests.filter(
    (r) =>
      r.template === '/records/{company_id}' &&
      r.status === 200 &&
      r.query.start_date === tieDay &&
      r.query.end_date === nextDay(tieDay),
  );
  expect(dayReads.length, 'requests for the tie day alone (readDay)').toBeGreaterThan(0);

  // every live record upstream is stored whole and live, the tied ones included, and no other record
  // is live (stubs aside: transactions may name records deleted upstream); nothing else differs
  const stored = await e2e.query<{ id: string }>(
    'select id from yclients.records where company_id = $1 and deleted_at is null and not is_stub',
    [COMPANY],
  );
  const live = new Set(stored.map((r) => Number(r.id)));
  expect(upstream.filter((r) => !live.has(r.id)).map((r) => r.id)).toEqual([]);
  expect(live.size).toBe(upstream.length);
  expect(await compareWithTruth(h.db.url, h.fake, COMPANY)).toEqual([]);

  return {
    tied: tied.length,
    /** live visits after the tie: the tie's first position in the list is this + 1 */
    newer: newer.length,
    /** of those, the ones on the tie's own day: they come before it in the day's list */
    newerSameDay: newer.filter((r) => String(r.datetime).slice(0, 10) === tieDay).length,
    passes: 1 + result.logs.filter((l) => l.event === INCOMPLETE).length,
  };
}

describe('records: a group of tied visits that straddles a page boundary', () => {
  it('longer than a page (1,000): its day is read again, every record lands, none is soft-deleted, the run exits 0', async () => {
    const tie = await syncTie(3000, 1036);
    expect(tie.tied).toBeGreaterThan(1000);
  });

  it('longer than the page the window reaches it with, shorter than a page of its day: the day re-read alone completes the window', async () => {
    // The tie starts at position newer + 1, where the window's read asks for pages of `newer` rows
    // (positions.ts, pageAt), so each of its passes loses some tied rows; the day's first page of 1,000
    // holds the whole tie, so the re-read finds every one and the window needs no second pass.
    const tie = await syncTie(2940, 1010);
    expect(tie.tied).toBeGreaterThan(tie.newer + 20);
    expect(tie.newerSameDay + tie.tied).toBeLessThanOrEqual(1000);
    expect(tie.passes).toBe(1);
  });
});
