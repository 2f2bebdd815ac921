/**
 * `pnpm demo`: the whole product on one machine with nothing but Node. Starts the YClients simulator
 * with a realistic salon (rate limits on, quirks on) and the embedded PostgreSQL (always, in a database
 * of its own there, whatever DATABASE_URL says), runs a full sync, changes data upstream, runs an
 * incremental sync, and prints what an analyst sees. The sync runs as a user runs it: the
 * `yclients-sync` bin in a process of its own, configured by its environment; only the demo knows the
 * simulator.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, stopEmbeddedServers, withClient, withDatabase } from '@yclients-pg/sql';
import { createYclientsFake } from '@yclients-pg/yclients-fake';

const COMPANY_ID = 4564;
const DEMO_DATABASE = 'yclients_demo';
/** The sync command as this package has it installed (pnpm links the bins of its dependencies here). */
const YCLIENTS_SYNC = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'yclients-sync.cmd' : 'yclients-sync',
);

function printTable(title: string, rows: Array<Record<string, unknown>>): void {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('  (no rows)');
    return;
  }
  const head = Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v instanceof Date
      ? v.toISOString().slice(0, 16).replace('T', ' ')
      : Array.isArray(v)
        ? v.join(', ')
        : String(v ?? '');
  const widths = head.map((h) => Math.min(40, Math.max(h.length, ...rows.map((r) => cell(r[h]).length))));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ')}`;
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(head.map((h) => cell(r[h]))));
}

async function demoDatabaseUrl(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    console.log(
      'DATABASE_URL is set; the demo leaves it alone and runs in a database of its own on the embedded PostgreSQL.',
    );
  }
  const embedded = await startEmbeddedPostgres({ log: (m) => console.log(m) });
  // A fresh database of its own on the embedded server: the demo never mixes with real syncs, and a
  // second `pnpm demo` tells the same story as the first.
  await withClient(embedded.url, async (admin) => {
    await admin.query(`drop database if exists ${DEMO_DATABASE} with (force)`);
    await admin.query(`create database ${DEMO_DATABASE}`);
  });
  return { url: withDatabase(embedded.url, DEMO_DATABASE), stop: () => embedded.stop() };
}

/**
 * Runs `yclients-sync <args>` with `env` and resolves with its exit code. Its output goes straight to
 * this terminal (progress bars on a terminal, JSON lines off one); Ctrl-C reaches it too, and it stops
 * as documented (exit 130) while the demo waits for it and then cleans up.
 */
function sync(env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(YCLIENTS_SYNC, args, {
      env,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    // Ctrl-C reaches the child from the terminal; a SIGTERM sent to the demo alone is passed on.
    const onInterrupt = () => {};
    const onTerminate = () => child.kill('SIGTERM');
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onTerminate);
    const done = () => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? (signal === 'SIGINT' ? 130 : 143));
    });
  });
}

async function run(): Promise<number> {
  console.log('yclients-pg demo: simulator + embedded PostgreSQL + pnpm sync\n');
  const fake = createYclientsFake({
    seed: 20261123,
    companies: [{ id: COMPANY_ID, title: 'Салон «Демо»', clients: 2500, records: 15000, transactions: 6000 }],
  });
  const server = await fake.listen();
  console.log(`YClients simulator on ${server.url} (rate limits on: 5/s and 200/min, quirks on)`);
  const database = await demoDatabaseUrl();
  const creds = fake.credentials;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    YCLIENTS_BASE_URL: server.url,
    YCLIENTS_PARTNER_TOKEN: creds.partnerToken,
    YCLIENTS_USER_TOKEN: creds.userToken,
    YCLIENTS_COMPANY_IDS: String(COMPANY_ID),
  };
  try {
    console.log('\n== 1. Full sync ==');
    const first = await sync(env, ['--full']);
    if (first !== 0) return first;

    console.log(
      '\n== 2. Changes upstream: a deleted client (shifts every later page), an edited client, five new clients, a cancelled and an edited visit ==',
    );
    const company = fake.company(COMPANY_ID);
    const live = [...company.clients.list()].slice(0, 3);
    company.clients.delete(live[0]!.id); // an early client: shifts every later page
    company.clients.update(live[1]!.id, { name: 'Анна (изменено)' });
    for (let i = 0; i < 5; i++) company.clients.insert({ name: `Новый клиент ${i + 1}` });
    const recent = [...company.records.list()].slice(0, 2);
    company.records.delete(recent[0]!.id);
    company.records.update(recent[1]!.id, { comment: 'перенесено' });

    console.log('\n== 3. Incremental sync ==');
    const second = await sync(env, []);
    if (second !== 0) return second;

    await withClient(database.url, async (db) => {
      const rows = async (text: string, params: unknown[] = [COMPANY_ID]) =>
        (await db.query<Record<string, unknown>>(text, params)).rows;
      printTable(
        'analytics.clients_by_category — clients per category',
        await rows(`select category, count(*)::int as clients from analytics.clients_by_category
                           where company_id = $1 group by category order by clients desc limit 6`),
      );
      printTable(
        'analytics.clients_by_staff — top clients of the busiest master',
        await rows(`select staff_name, client_name, visits, last_visit, amount from analytics.clients_by_staff
                           where company_id = $1
                             and staff_id = (select staff_id from analytics.clients_by_staff where company_id = $1
                                             group by staff_id order by sum(visits) desc limit 1)
                           order by visits desc, amount desc limit 5`),
      );
      printTable(
        'analytics.transactions — money by cash desk, last 90 days',
        await rows(`select account_title, is_cash, count(*)::int as operations, sum(amount) as total
                           from analytics.transactions where company_id = $1 and date > now() - interval '90 days'
                           group by account_title, is_cash order by total desc`),
      );
      printTable(
        'analytics.sync_health',
        await rows(`select entity, status, last_run_status, last_success_at, last_error
                           from analytics.sync_health where company_id = $1 order by entity`),
      );
      printTable(
        'yclients_sync.sync_runs — run statistics',
        await rows(
          `select r.id as run, r.status, round(extract(epoch from r.finished_at - r.started_at)::numeric, 1) as seconds,
                                  sum(e.requests)::int as requests, sum(e.rows_fetched)::int as fetched, sum(e.inserted)::int as inserted,
                                  sum(e.updated)::int as updated, sum(e.unchanged)::int as unchanged, sum(e.deleted)::int as deleted
                           from yclients_sync.sync_runs r join yclients_sync.sync_run_entities e on e.run_id = r.id
                           group by r.id order by r.id desc limit 2`,
          [],
        ),
      );
    });
    console.log(
      '\nDone. To sync a real salon: set YCLIENTS_PARTNER_TOKEN, YCLIENTS_USER_TOKEN, YCLIENTS_COMPANY_IDS' +
        ' (and DATABASE_URL, or keep the embedded PostgreSQL), then `pnpm sync`; see README "Configuration".',
    );
    return 0;
  } finally {
    await server.close();
    await database.stop();
  }
}

const code = await run();
await stopEmbeddedServers();
process.exitCode = code;
