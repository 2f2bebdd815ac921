import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { BASE, client, ok, sequence, server, useServer } from './helpers';

useServer();

describe('every endpoint the sync uses, happy path', () => {
  it('sends the documented headers', async () => {
    const calls = sequence('get', '/accounts/:id', [() => ok([])]);
    await client().accounts(42);
    const h = calls[0]!.headers;
    expect(h.get('authorization')).toBe('Bearer partner-SECRET-123, User user-SECRET-456');
    expect(h.get('accept')).toBe('application/vnd.yclients.v2+json');
    expect(h.get('content-type')).toBe('application/json');
  });

  it('company: timezone_name; the zone a caller passes is the one naive record dates are read in', async () => {
    const company = sequence('get', '/company/:id', [
      () => ok({ id: 42, title: 'Салон', timezone_name: 'Asia/Novosibirsk', timezone: 7 }),
    ]);
    const recs = sequence('get', '/records/:id', [
      () => ok([{ id: 1, date: '2024-05-01 10:00:00' }], { page: 1, total_count: 1 }),
    ]);
    const yc = client();
    const { timezone } = await yc.company(42);
    expect(timezone).toBe('Asia/Novosibirsk');
    const page = await yc.recordsPage(42, { page: 1, timeZone: timezone });
    expect(page.rows[0]!.datetime).toBe('2024-05-01T10:00:00+07:00');
    expect(recs).toHaveLength(1);
    expect(company).toHaveLength(1); // the given zone needs no lookup
  });

  it('records without timeZone: a naive-only row makes the SDK look the zone up, once per company', async () => {
    const company = sequence('get', '/company/:id', [() => ok({ id: 42, timezone_name: 'Europe/Moscow' })]);
    sequence('get', '/records/:id', [
      () => ok([{ id: 1, date: '2024-05-01 10:00:00' }], { page: 1, total_count: 1 }),
    ]);
    const yc = client();
    await yc.recordsPage(42, { page: 1 });
    const page = await yc.recordsPage(42, { page: 1 });
    expect(page.rows[0]!.datetime).toBe('2024-05-01T10:00:00+03:00');
    expect(company).toHaveLength(1);
  });

  it('a naive create_date beside a datetime with an offset needs the zone too', async () => {
    const company = sequence('get', '/company/:id', [() => ok({ id: 42, timezone_name: 'Europe/Samara' })]);
    sequence('get', '/records/:id', [
      () =>
        ok([{ id: 1, datetime: '2024-05-01T10:00:00+04:00', create_date: '2024-04-20 09:30:00' }], {
          total_count: 1,
        }),
    ]);
    const page = await client().recordsPage(42, { page: 1 });
    expect(page.rows[0]).toMatchObject({ create_date: '2024-04-20T09:30:00+04:00' });
    expect(company).toHaveLength(1);
  });

  it('the result does not depend on what was asked before: company() fills no hidden cache', async () => {
    const company = sequence('get', '/company/:id', [() => ok({ id: 42, timezone_name: 'Europe/Moscow' })]);
    sequence('get', '/records/:id', [
      () => ok([{ id: 1, datetime: '2024-05-01T10:00:00+03:00' }], { page: 1, total_count: 1 }),
    ]);
    const fresh = await client().recordsPage(42, { page: 1 });
    const yc = client();
    await yc.company(42);
    expect(await yc.recordsPage(42, { page: 1 })).toEqual(fresh);
    expect(company).toHaveLength(1); // rows with an offset need no zone, so no lookup either
  });

  it('a timeZone that is no zone fails the call before any row is read', async () => {
    sequence('get', '/records/:id', [() => ok([{ id: 1, date: '2024-05-01 10:00:00' }], { total_count: 1 })]);
    await expect(client().recordsPage(42, { page: 1, timeZone: 'Europe/Moskva' })).rejects.toThrow(
      /timeZone "Europe\/Moskva"/,
    );
    const page = await client().recordsPage(42, { page: 1, timeZone: '+05:00' });
    expect(page.rows[0]!.datetime).toBe('2024-05-01T10:00:00+05:00');
  });

  it('clients: a naive last_change_date is read in the given zone, or the looked-up one', async () => {
    const company = sequence('get', '/company/:id', [
      () => ok({ id: 42, timezone_name: 'Asia/Yekaterinburg' }),
    ]);
    sequence('get', '/clients/:id', [
      () => ok([{ id: 1, last_change_date: '2024-05-01 10:00:00' }], { page: 1, total_count: 1 }),
    ]);
    const yc = client();
    const given = await yc.clientsPage(42, { page: 1, timeZone: 'Europe/Moscow' });
    expect(given.rows[0]!.last_change_date).toBe('2024-05-01T10:00:00+03:00');
    expect(company).toHaveLength(0);
    const looked = await yc.clientsPage(42, { page: 1 });
    expect(looked.rows[0]!.last_change_date).toBe('2024-05-01T10:00:00+05:00');
    expect(company).toHaveLength(1);
  });

  it('positions, staff (meta count or total_count), categories, services, labels, accounts', async () => {
    sequence('get', '/company/:id/staff/positions', [() => ok([{ id: 1, title: 'Мастер' }], [{}])]);
    sequence('get', '/company/:id/staff', [
      () => ok([{ id: 2, name: 'Анна', position: { id: 1, title: 'Мастер' } }], { count: 1 }),
    ]);
    sequence('get', '/company/:id/service_categories', [
      () => ok([{ id: 3, title: 'Стрижки' }], { total_count: 1 }),
    ]);
    sequence('get', '/company/:id/services', [
      () => ok([{ id: 4, title: 'Стрижка', staff: [{ id: 2, seance_length: 3600 }] }], { total_count: 1 }),
    ]);
    const labels = sequence('get', '/labels/:id/:entity', [
      () => ok([{ id: '5', title: 'VIP', color: 'ff0000', deleted: '0' }]),
    ]);
    sequence('get', '/accounts/:id', [() => ok([{ id: 6, title: 'Касса', type: 0 }])]);
    const yc = client();
    expect(await yc.positions(42)).toEqual({
      rows: [{ id: 1, title: 'Мастер', raw: { id: 1, title: 'Мастер' } }],
      rejected: [],
      repairs: { nulDropped: 0, surrogatesReplaced: 0 },
    });
    expect((await yc.staff(42)).rows[0]).toMatchObject({ id: 2, position_id: 1 });
    expect((await yc.serviceCategories(42)).rows[0]).toMatchObject({ id: 3, title: 'Стрижки' });
    expect((await yc.services(42)).rows[0]!.staff).toEqual([
      { staff_id: 2, seance_length_seconds: 3600, price: null },
    ]);
    expect((await yc.clientLabels(42)).rows[0]).toMatchObject({ id: 5, color: '#ff0000', deleted: false });
    expect(new URL(labels[0]!.url).pathname).toBe('/api/v1/labels/42/1');
    expect((await yc.accounts(42)).rows[0]).toMatchObject({ id: 6, is_cash: true });
  });

  it('labels may come as a bare array (DOC-2026)', async () => {
    sequence('get', '/labels/:id/:entity', [
      () => HttpResponse.json([{ id: '5', title: 'VIP', deleted: '1' }]),
    ]);
    expect((await client().clientLabels(42)).rows).toMatchObject([{ id: 5, deleted: true }]);
  });

  it('clientsPage: page, count 300, changed_after; totalCount from meta', async () => {
    const calls = sequence('get', '/clients/:id', [
      () => ok([{ id: 1, name: 'A', phone: '89161234567' }], { page: 2, total_count: 301 }),
    ]);
    const page = await client().clientsPage(42, { page: 2, changedAfter: '2024-05-01T09:00:00' });
    expect(page).toMatchObject({ page: 2, totalCount: 301, rows: [{ id: 1, phone: '+79161234567' }] });
    const q = new URL(calls[0]!.url).searchParams;
    expect(Object.fromEntries(q)).toEqual({ page: '2', count: '300', changed_after: '2024-05-01T09:00:00' });
  });

  it('searchClientsPage: POST body with fields and id ASC; retried as a read', async () => {
    const calls = sequence('post', '/company/:id/clients/search', [
      () => new HttpResponse(null, { status: 503 }),
      () => ok([{ id: 7, name: 'B', visits_count: 2 }], { total_count: 1 }),
    ]);
    const page = await client().searchClientsPage(42, { page: 1 });
    expect(page).toMatchObject({ page: 1, totalCount: 1, rows: [{ id: 7, visits: 2 }] });
    expect(calls).toHaveLength(2);
    expect(await calls[1]!.json()).toMatchObject({
      page: 1,
      page_size: 200,
      order_by: 'id',
      order_by_direction: 'ASC',
      fields: expect.arrayContaining(['id', 'phone']),
    });
  });

  it('recordsPage: query parameters and total', async () => {
    const calls = sequence('get', '/records/:id', [
      () => ok([{ id: 1, datetime: '2024-05-01T10:00:00+03:00' }], { page: 1, total_count: 1 }),
    ]);
    const page = await client().recordsPage(42, {
      page: 1,
      startDate: '2024-05-01',
      endDate: '2024-05-02',
      changedAfter: '2024-04-30T00:00:00',
      withDeleted: true,
    });
    expect(page).toMatchObject({ page: 1, totalCount: 1 });
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({
      page: '1',
      count: '1000',
      start_date: '2024-05-01',
      end_date: '2024-05-02',
      changed_after: '2024-04-30T00:00:00',
      with_deleted: '1',
    });
  });

  it('recordsPage without a total in meta never ends a scan early', async () => {
    sequence('get', '/records/:id', [
      () =>
        ok(
          [
            { id: 1, datetime: '2024-05-01T10:00:00+03:00' },
            { id: 2, datetime: '2024-05-01T10:00:00+03:00' },
          ],
          [],
        ),
    ]);
    const page = await client().recordsPage(42, { page: 3, count: 2 });
    expect(page.totalCount).toBeGreaterThan(3 * 2);
  });

  it('recordsPage: a poison row is set aside, the rest of the page is kept, the total still counts it', async () => {
    const at = '2024-05-01T10:00:00+03:00';
    sequence('get', '/records/:id', [
      () =>
        ok(
          [
            { id: 1, datetime: at },
            { id: 2, datetime: '0000-00-00 00:00:00', comment: 'a\u0000b', documents: [{ id: 9 }] },
            { id: 3, datetime: at, comment: 'c\u0000' },
          ],
          { page: 1, total_count: 3 },
        ),
      () =>
        ok(
          [
            { id: 1, datetime: at },
            { id: 0, datetime: at },
          ],
          [],
        ),
    ]);
    // No company lookup either: a zero date is no naive date a zone would place.
    const yc = client();
    const page = await yc.recordsPage(42, { page: 1 });
    expect(page.rows.map((r) => r.id)).toEqual([1, 3]);
    expect(page.rows[1]!.raw.comment).toBe('c');
    expect(page.rejected).toEqual([
      {
        id: 2,
        index: 1,
        reason: 'record 2: no usable datetime ("0000-00-00 00:00:00")',
        // Without `documents`, which are never stored, rejected or not.
        row: '{"id":2,"datetime":"0000-00-00 00:00:00","comment":"ab"}',
      },
    ]);
    expect(page.repairs).toEqual({ nulDropped: 2, surrogatesReplaced: 0 });
    expect(page.totalCount).toBe(3);
    // Without a total in meta, a full page (rejected rows included) never ends the scan.
    const full = await yc.recordsPage(42, { page: 1, count: 2 });
    expect([full.rows.length, full.rejected.length]).toEqual([1, 1]);
    expect(full.totalCount).toBe(3);
  });

  it('catalogs quarantine bad rows too', async () => {
    sequence('get', '/company/:id/staff', [
      () =>
        ok([
          { id: 2, name: 'Анна' },
          { id: '', name: 'Без id' },
        ]),
    ]);
    const staff = await client().staff(42);
    expect(staff.rows).toMatchObject([{ id: 2 }]);
    expect(staff.rejected).toMatchObject([
      { id: null, reason: 'staff: id is not a whole number in 1..2^53-1 (an empty string)' },
    ]);
  });

  it('a single answer still throws on a bad row, and is sanitised', async () => {
    sequence('get', '/company/:id', [() => ok({ id: 42, title: 'Са\u0000лон' })]);
    sequence('put', '/record/:id/:rid', [() => ok({ id: 12, datetime: '0000-00-00 00:00:00' })]);
    const yc = client();
    expect(await yc.company(42)).toMatchObject({ title: 'Салон', raw: { title: 'Салон' } });
    await expect(yc.updateRecord(42, 12, { comment: 'x' })).rejects.toMatchObject({ code: 'invalid_row' });
  });

  it('transactionsPage: count 200, dates; meta [] has no total', async () => {
    const calls = sequence('get', '/transactions/:id', [
      () => ok([{ id: 1, date: '2024-05-01T10:00:00+0400', amount: '10', master: [] }], []),
    ]);
    const page = await client().transactionsPage(42, {
      page: 1,
      startDate: '2024-05-01',
      endDate: '2024-05-31',
    });
    expect(page).toEqual({
      page: 1,
      rows: [expect.objectContaining({ id: 1, amount: 10, master: null })],
      rejected: [],
      repairs: { nulDropped: 0, surrogatesReplaced: 0 },
    });
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({
      page: '1',
      count: '200',
      start_date: '2024-05-01',
      end_date: '2024-05-31',
    });
  });

  it('the raw typed client works too', async () => {
    sequence('get', '/record/:id/:rid', [() => ok({ id: 9, datetime: '2024-05-01T10:00:00+03:00' })]);
    const { data } = await client().GET('/record/{company_id}/{record_id}', {
      params: { path: { company_id: 42, record_id: 9 } },
    });
    expect(data?.data).toMatchObject({ id: 9 });
  });

  it('write helpers: create, update, delete of clients and records', async () => {
    const posts = sequence('post', '/clients/:id', [
      () => ok({ id: 11, name: 'Новый', phone: '79160000000' }, [], { status: 201 }),
    ]);
    sequence('put', '/client/:id/:cid', [() => ok({ id: 11, name: 'Другой' })]);
    const del = sequence('delete', '/client/:id/:cid', [() => new HttpResponse(null, { status: 204 })]);
    sequence('post', '/records/:id', [
      () => ok({ id: 12, datetime: '2024-05-01T10:00:00+03:00' }, [], { status: 201 }),
    ]);
    sequence('put', '/record/:id/:rid', [() => ok({ id: 12, datetime: '2024-05-01T11:00:00+03:00' })]);
    sequence('delete', '/record/:id/:rid', [
      () => HttpResponse.json({ success: true, data: null, meta: { message: 'Accepted' } }, { status: 202 }),
    ]);
    const yc = client();
    expect(await yc.createClient(42, { name: 'Новый', phone: '79160000000' })).toMatchObject({
      id: 11,
      phone: '+79160000000',
    });
    expect(await posts[0]!.json()).toEqual({ name: 'Новый', phone: '79160000000' });
    expect(await yc.updateClient(42, 11, { name: 'Другой' })).toMatchObject({ id: 11, name: 'Другой' });
    await yc.deleteClient(42, 11);
    expect(del).toHaveLength(1);
    expect(
      await yc.createRecord(42, { staff_id: 2, datetime: '2024-05-01T10:00:00+03:00', seance_length: 3600 }),
    ).toMatchObject({ id: 12 });
    expect(await yc.updateRecord(42, 12, { comment: 'x' })).toMatchObject({
      datetime: '2024-05-01T11:00:00+03:00',
    });
    await yc.deleteRecord(42, 12);
  });

  it('createRecord: 201 with `data` as an array (DOC-2026) gives the created record', async () => {
    const posts = sequence('post', '/records/:id', [
      () =>
        ok([{ id: 12, datetime: '2024-05-01T10:00:00+03:00', services: [{ id: 3, cost: 100 }] }], [], {
          status: 201,
        }),
    ]);
    const created = await client().createRecord(42, { staff_id: 2, datetime: '2024-05-01 10:00:00' });
    expect(created).toMatchObject({ id: 12, datetime: '2024-05-01T10:00:00+03:00', services: [{ id: 3 }] });
    expect(posts).toHaveLength(1);
  });

  it('a write whose answer holds no row says the write was made (and is not sent again)', async () => {
    const posts = sequence('post', '/records/:id', [() => ok([], [], { status: 201 })]);
    const error = await client()
      .createRecord(42, { staff_id: 2 })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'invalid_row' });
    expect(error.message).toBe('POST /records/{company_id}: created: the answer holds no row');
    expect(posts).toHaveLength(1);
  });

  it('transaction: GET /finance_transactions/{id}/{tid} with `data` as an array, or as the object', async () => {
    const calls = sequence('get', '/finance_transactions/:id/:tid', [
      () =>
        ok([
          {
            id: '4815162342',
            date: '2016-04-13 15:34:31',
            amount: '1000.00',
            master: { id: '1926', name: 'Суини Тодд' },
            supplier: [],
            last_change_date: '2020-02-01T12:00:00+0400',
          },
        ]),
      () => ok({ id: 7, date: '2016-04-13T15:34:31+0400', amount: -5 }),
    ]);
    const yc = client();
    expect(await yc.transaction(42, 4815162342)).toMatchObject({
      id: 4815162342,
      date: '2016-04-13T15:34:31+04:00',
      amount: 1000,
      master: { id: 1926, title: 'Суини Тодд' },
      supplier: null,
      last_change_date: '2020-02-01T12:00:00+04:00',
    });
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/finance_transactions/42/4815162342');
    expect(await yc.transaction(42, 7)).toMatchObject({ id: 7, amount: -5 });
  });

  it('hooks see the path template', async () => {
    server.use(http.get(`${BASE}/clients/:id`, () => ok([], { page: 1, total_count: 0 })));
    const seen: unknown[] = [];
    const yc = client({ hooks: { onResponse: (e) => seen.push({ ...e, ms: 0 }) } });
    await yc.clientsPage(42, { page: 1 });
    expect(seen).toEqual([{ method: 'GET', path: '/clients/{company_id}', status: 200, ms: 0, attempt: 1 }]);
  });
});
