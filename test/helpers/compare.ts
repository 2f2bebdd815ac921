/**
 * Compares the database with the simulator's truth: every live row and every link.
 */
import { withClient } from '@yclients-pg/sql';
import type { Fake } from './harness';

export interface Snapshot {
  clients: string[];
  clientCategoryLinks: string[];
  records: string[];
  recordServices: string[];
  transactions: string[];
  staff: string[];
  services: string[];
  serviceStaff: string[];
}

const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
const objectId = (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? num((v as { id?: unknown }).id) : null;

/** What the simulator holds, in the same text form as `databaseSnapshot`. */
export function fakeSnapshot(fake: Fake, companyId: number): Snapshot {
  const c = fake.company(companyId);
  const clients = [...c.clients.list()];
  const records = [...c.records.list()];
  const services = [...c.services.list()];
  return {
    clients: clients.map((r) => `${num(r.id)}|${r.name}`).sort(),
    clientCategoryLinks: clients
      .flatMap((r) =>
        (Array.isArray(r.categories) ? r.categories : []).map(
          (k: { id: unknown }) => `${num(r.id)}>${num(k.id)}`,
        ),
      )
      .sort(),
    records: records
      .map((r) => `${num(r.id)}|${objectId(r.staff) ?? num(r.staff_id)}|${objectId(r.client)}`)
      .sort(),
    recordServices: records
      .flatMap((r) =>
        (Array.isArray(r.services) ? r.services : []).map(
          (s: { id: unknown }, i: number) => `${num(r.id)}#${i + 1}>${num(s.id)}`,
        ),
      )
      .sort(),
    transactions: [...c.transactions.list()].map((t) => `${num(t.id)}|${Number(t.amount).toFixed(2)}`).sort(),
    // Staff deleted upstream stay in the list with is_deleted: the sync keeps them, soft-deleted.
    staff: [...c.staff.list()]
      .filter((s) => s.is_deleted !== true)
      .map((s) => `${num(s.id)}|${s.name}`)
      .sort(),
    services: services.map((s) => `${num(s.id)}|${s.title}`).sort(),
    serviceStaff: services
      .flatMap((s) =>
        (Array.isArray(s.staff) ? s.staff : []).map((m: { id: unknown }) => `${num(s.id)}>${num(m.id)}`),
      )
      .sort(),
  };
}

export async function databaseSnapshot(url: string, companyId: number): Promise<Snapshot> {
  return withClient(url, async (client) => {
    const col = async (text: string) =>
      (await client.query<{ k: string }>(text, [companyId])).rows.map((r) => r.k).sort();
    return {
      clients: await col(`select id || '|' || coalesce(name, '') as k from yclients.clients
                          where company_id = $1 and deleted_at is null and not is_stub`),
      clientCategoryLinks:
        await col(`select l.client_id || '>' || l.category_id as k from yclients.client_category_links l
                          join yclients.clients c on c.company_id = l.company_id and c.id = l.client_id
                          where l.company_id = $1 and c.deleted_at is null and not c.is_stub`),
      records:
        await col(`select id || '|' || coalesce(staff_id::text, 'null') || '|' || coalesce(client_id::text, 'null') as k
                          from yclients.records where company_id = $1 and deleted_at is null and not is_stub`),
      recordServices:
        await col(`select rs.record_id || '#' || rs.line_no || '>' || rs.service_id as k from yclients.record_services rs
                          join yclients.records r on r.company_id = rs.company_id and r.id = rs.record_id
                          where rs.company_id = $1 and r.deleted_at is null and not r.is_stub`),
      transactions:
        await col(`select id || '|' || to_char(amount, 'FM999999999990.00') as k from yclients.financial_transactions
                          where company_id = $1 and deleted_at is null`),
      staff: await col(`select id || '|' || coalesce(name, '') as k from yclients.staff
                          where company_id = $1 and deleted_at is null and not is_stub`),
      services: await col(`select id || '|' || coalesce(title, '') as k from yclients.services
                          where company_id = $1 and deleted_at is null and not is_stub`),
      serviceStaff: await col(`select ss.service_id || '>' || ss.staff_id as k from yclients.service_staff ss
                          join yclients.services s on s.company_id = ss.company_id and s.id = ss.service_id
                          where ss.company_id = $1 and s.deleted_at is null and not s.is_stub`),
    };
  });
}

/** `xmin` of every data row: unchanged means the row was not rewritten. */
export async function rowVersions(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const tables = [
      'positions',
      'staff',
      'service_categories',
      'services',
      'service_staff',
      'client_categories',
      'clients',
      'client_category_links',
      'accounts',
      'records',
      'record_services',
      'expense_categories',
      'financial_transactions',
    ];
    const out: string[] = [];
    for (const t of tables) {
      const { rows } = await client.query<{ k: string }>(
        `select '${t}:' || ctid::text || ':' || xmin::text as k from yclients.${t}`,
      );
      out.push(...rows.map((r) => r.k));
    }
    return out.sort();
  });
}
