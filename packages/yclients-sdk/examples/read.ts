/**
 * Reads a company's catalogs and its records as the sync does, and prints a summary.
 *
 *   YCLIENTS_PARTNER_TOKEN=… YCLIENTS_USER_TOKEN=… YCLIENTS_COMPANY_ID=… pnpm tsx examples/read.ts
 *
 * Add YCLIENTS_BASE_URL to run it against the simulator (`pnpm --filter @yclients-pg/yclients-fake start`
 * prints all four variables).
 */
import { createYclientsClient, iteratePages, PAGE_SIZES } from '@yclients-pg/sdk';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

const yc = createYclientsClient({
  partnerToken: env('YCLIENTS_PARTNER_TOKEN'),
  userToken: env('YCLIENTS_USER_TOKEN'),
  ...(process.env.YCLIENTS_BASE_URL ? { baseUrl: process.env.YCLIENTS_BASE_URL } : {}),
});
const companyId = Number(env('YCLIENTS_COMPANY_ID'));

// The company's zone, passed to everything that reads company-local times.
const { title, timezone: timeZone } = await yc.company(companyId);
const staff = await yc.staff(companyId); // { rows, rejected, repairs }

let records = 0;
let rejected = 0;
for await (const page of iteratePages(
  (page, count) => yc.recordsPage(companyId, { page, count, timeZone, startDate: '2024-01-01' }),
  { label: 'records', pageSize: PAGE_SIZES.records, stop: 'total' },
)) {
  records += page.rows.length;
  rejected += page.rejected.length; // rows that did not normalise: quarantine them, never drop them silently
  if (page.last) process.stdout.write(`read ${page.page} page(s) of records, ${page.totalCount} upstream\n`);
}

process.stdout.write(
  `${title} (${timeZone}): ${staff.rows.length} staff, ${records} records, ${rejected} rejected; ` +
    `${yc.budget.sent} requests\n`,
);
