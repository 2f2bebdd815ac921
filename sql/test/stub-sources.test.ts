/**
 * A stub is built from the richest thing the page says about its parent (issue 19, SQL mutations): when
 * one record of a page names a master or a client only by id and another embeds the object, the stub
 * takes the object, whichever comes first.
 */
import { describe, expect, it } from 'vitest';
import { merge, useMigratedDatabase } from './db';

const db = useMigratedDatabase();
const COMPANY = 77;

const record = (id: number, fields: Record<string, unknown>) => ({
  id,
  datetime: '2024-05-01T10:00:00+03:00',
  deleted: false,
  services: [],
  raw: { id },
  ...fields,
});

const anna = { id: 5, name: 'Анна', specialization: 'Стилист', position_id: null, position_title: null };
const iva = { id: 3, name: 'Ива', surname: 'Петрова', phone: '+79990000003', email: null };

describe('stubs from a page that names a parent both bare and embedded', () => {
  for (const order of ['bare first', 'embedded first'] as const) {
    it(`take the embedded object (${order})`, async () => {
      const company = COMPANY + (order === 'bare first' ? 0 : 1);
      const bare = record(1, { staff_id: 5, staff: null, client_id: 3, client: null });
      const full = record(2, { staff_id: 5, staff: anna, client_id: 3, client: iva });
      await merge(db, 'records', company, order === 'bare first' ? [bare, full] : [full, bare]);
      expect(
        await db.one(
          'select name, specialization, raw, is_stub from yclients.staff where company_id = $1 and id = 5',
          [company],
        ),
      ).toEqual({ name: 'Анна', specialization: 'Стилист', raw: anna, is_stub: true });
      expect(
        await db.one(
          'select name, surname, phone, raw, is_stub from yclients.clients where company_id = $1 and id = 3',
          [company],
        ),
      ).toEqual({ name: 'Ива', surname: 'Петрова', phone: '+79990000003', raw: iva, is_stub: true });
    });
  }
});
