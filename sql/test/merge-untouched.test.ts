/**
 * A merge touches only the rows that are new or differ from what is stored: an unchanged row keeps its
 * row version (xmin) and is not even locked (xmax stays as it was), so a re-sync that changes little writes little
 * (no row locks, no full-page images of untouched pages in the WAL). Its links and lines stay as they are.
 */
import { describe, expect, it } from 'vitest';
import { type Db, merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();

async function versions(
  table: string,
  company: number,
): Promise<Record<string, { xmin: string; xmax: string }>> {
  const rows = await db.query<{ id: string; xmin: string; xmax: string }>(
    `select id::text, xmin::text, xmax::text from yclients.${table} where company_id = $1 order by id`,
    [company],
  );
  return Object.fromEntries(rows.map((r) => [r.id, { xmin: r.xmin, xmax: r.xmax }]));
}

async function children(
  d: Db,
  table: string,
  parent: string,
  company: number,
): Promise<Record<string, string>> {
  const rows = await d.query<{ k: string; xmin: string }>(
    `select ${parent}::text || ':' || row_number() over (partition by ${parent} order by ctid) as k, xmin::text
     from yclients.${table} where company_id = $1`,
    [company],
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.xmin]));
}

const record = (id: number, comment: string) => ({
  id,
  datetime: '2024-05-01T10:00:00+03:00',
  attendance: 1,
  comment,
  deleted: false,
  staff_id: 5,
  staff: { id: 5, name: 'Анна', specialization: null, position_id: null, position_title: null },
  client_id: null,
  client: null,
  services: [{ id: 100, title: 'Стрижка', cost: 1000 }],
  raw: { id, comment },
});

const client = (id: number, name: string) => ({
  id,
  name,
  categories: [{ id: 1, title: 'VIP', color: null }],
  raw: { id, name },
});

describe('rows a page does not change', () => {
  it.each([
    {
      entity: 'records',
      table: 'records',
      child: ['record_services', 'record_id'],
      page: (v: string) => [record(1, 'a'), record(2, v), record(3, 'c')],
    },
    {
      entity: 'clients',
      table: 'clients',
      child: ['client_category_links', 'client_id'],
      page: (v: string) => [client(1, 'a'), client(2, v), client(3, 'c')],
    },
  ])('$entity: neither rewritten nor locked', async ({ entity, table, child, page }) => {
    const company = entity === 'records' ? 8001 : 8002;
    const [childTable = '', parent = ''] = child;
    expect(await merge(db, entity, company, page('b'))).toMatchObject({ inserted: 3 });
    const before = await versions(table, company);
    const linksBefore = await children(db, childTable, parent, company);
    expect(await merge(db, entity, company, page('b2'))).toMatchObject({ updated: 1, unchanged: 2 });
    const after = await versions(table, company);
    // same xmin: no new version; same xmax: not locked by this merge (an upsert locks every row it meets)
    for (const id of ['1', '3']) expect(after[id], `row ${id}`).toEqual(before[id]);
    expect(after['2']?.xmin).not.toBe(before['2']?.xmin);
    // the changed row's links are the same as upstream's, so they are not rewritten either
    expect(await children(db, childTable, parent, company)).toEqual(linksBefore);
  });
});
