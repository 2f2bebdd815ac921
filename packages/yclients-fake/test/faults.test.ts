import { describe, expect, it } from 'vitest';
import { type YclientsFake, ZERO_DATETIME } from '../src/index';
import { AUTH, call, get, makeFake } from './helpers';

/** The answer as raw text, to see the exact escapes on the wire. */
async function raw(fake: YclientsFake, path: string, query: Record<string, string> = {}) {
  const url = new URL(fake.baseUrl + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const response = await fake.fetch(url, { headers: { Authorization: AUTH } });
  return { response, text: await response.text() };
}

describe('faults', () => {
  it('failNext: the next N matching requests fail with the status, others pass', async () => {
    const fake = makeFake();
    fake.faults.failNext(2, { status: 502, path: /records/ });
    expect((await get(fake, '/clients/101')).status).toBe(200);
    const first = await get(fake, '/records/101');
    expect(first.status).toBe(502);
    expect(first.body.success).toBe(false);
    expect((await get(fake, '/records/101')).status).toBe(502);
    expect((await get(fake, '/records/101')).status).toBe(200);
    fake.faults.failNext(1, { path: '/clients/{company_id}' });
    expect((await get(fake, '/clients/101')).status).toBe(503);
    expect(fake.count({ path: '/records/{company_id}' })).toBe(3);
    expect(fake.count({ path: '/records/{company_id}', status: 502 })).toBe(2);
  });

  it('echoNext answers 400 with the request headers and body in the message', async () => {
    const fake = makeFake();
    fake.faults.echoNext(1, { path: '/auth' });
    const res = await call(fake, 'POST', '/auth', { body: { login: 'a@b.c', password: 'secret-pw' } });
    expect(res.status).toBe(400);
    expect(res.body.meta.message).toContain('secret-pw');
    expect(res.body.meta.message).toMatch(/Authorization: Bearer /);
  });

  it('rateLimitNext and successFalseNext', async () => {
    const fake = makeFake();
    fake.faults.rateLimitNext(1);
    const r = await get(fake, '/clients/101');
    expect(r.status).toBe(429);
    expect(r.body.meta.message).toBe('Превышен лимит запросов');
    fake.faults.successFalseNext(1, 'Что-то пошло не так');
    const s = await get(fake, '/clients/101');
    expect(s.status).toBe(200);
    expect(s.body).toEqual({ success: false, data: null, meta: { message: 'Что-то пошло не так' } });
  });

  it('truncateNext cuts the JSON body', async () => {
    const fake = makeFake();
    fake.faults.truncateNext(1);
    const response = await fake.fetch(`${fake.baseUrl}/clients/101`, { headers: { Authorization: AUTH } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(fake.requests.at(-1)!.outcome).toBe('truncated');
    expect((await get(fake, '/clients/101')).status).toBe(200);
  });

  it('hangNext never answers until the client aborts', async () => {
    const fake = makeFake();
    fake.faults.hangNext(1);
    const controller = new AbortController();
    const pending = fake.fetch(`${fake.baseUrl}/clients/101`, {
      headers: { Authorization: AUTH },
      signal: controller.signal,
    });
    let settled = false;
    pending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(fake.requests.at(-1)!.outcome).toBe('hang');
  });

  it('over real HTTP: a dropped connection, a hang cut by the client timeout, a truncated body', async () => {
    const fake = makeFake();
    const server = await fake.listen();
    try {
      const headers = { Authorization: AUTH };
      fake.faults.dropConnectionNext(1);
      await expect(fetch(`${server.url}/clients/101`, { headers })).rejects.toThrow(TypeError);
      fake.faults.hangNext(1);
      const controller = new AbortController();
      const hung = fetch(`${server.url}/clients/101`, { headers, signal: controller.signal });
      await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      await expect(hung).rejects.toThrow();
      fake.faults.truncateNext(1);
      const cut = await fetch(`${server.url}/clients/101`, { headers });
      await expect(cut.json()).rejects.toThrow();
      const fine = await fetch(`${server.url}/clients/101`, { headers });
      expect((await fine.json()).success).toBe(true);
      expect(fake.requests.map((r) => r.outcome)).toEqual(['drop', 'hang', 'truncated', 'response']);
    } finally {
      await server.close();
    }
  });

  it('query: only requests with those exact query values hit the fault, n of them', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    fake.faults.failNext(3, { path: '/clients/{company_id}', query: { page: '2' } });
    expect((await get(fake, '/clients/101')).status).toBe(200);
    expect((await get(fake, '/clients/101', { page: 1 })).status).toBe(200);
    expect((await get(fake, '/clients/101', { page: 2 })).status).toBe(503);
    expect((await get(fake, '/clients/101', { page: 3 })).status).toBe(200);
    expect((await get(fake, '/clients/101', { page: 2, count: 5 })).status).toBe(503);
    expect((await get(fake, '/clients/101', { page: 2 })).status).toBe(503);
    expect((await get(fake, '/clients/101', { page: 2 })).status).toBe(200);
    fake.faults.failNext(1, { query: { page: '1', start_date: '2025-05-01' } });
    expect((await get(fake, '/records/101', { page: 1, start_date: '2025-05-02' })).status).toBe(200);
    expect((await get(fake, '/records/101', { start_date: '2025-05-01' })).status).toBe(200);
    expect((await get(fake, '/records/101', { page: 1, start_date: '2025-05-01' })).status).toBe(503);
    expect(fake.faults.pending()).toBe(0);
  });

  it('emptyNext: success with no rows; the total, where there is one, says 0', async () => {
    const fake = makeFake();
    fake.faults.emptyNext(4);
    const clients = await get(fake, '/clients/101', { page: 2 });
    expect(clients.status).toBe(200);
    expect(clients.body).toEqual({ success: true, data: [], meta: { page: 2, total_count: 0 } });
    expect((await get(fake, '/transactions/101')).body).toEqual({ success: true, data: [], meta: [] });
    expect((await get(fake, '/company/101/staff')).body).toEqual({
      success: true,
      data: [],
      meta: { count: 0 },
    });
    // not a list: passes unchanged
    const card = await get(fake, '/company/101');
    expect(card.body.data.id).toBe(101);
    expect((await get(fake, '/clients/101')).body.data).toHaveLength(20);
  });

  it('shortNext: the first rows only, and a total that drops with them (or the one given)', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    const real = (await get(fake, '/clients/101', { page: 2 })).body;
    fake.faults.shortNext(1, { path: '/clients/{company_id}' });
    const half = (await get(fake, '/clients/101', { page: 2 })).body;
    expect(half.data).toEqual(real.data.slice(0, 10));
    expect(half.meta).toEqual({ page: 2, total_count: 90 });
    fake.faults.shortNext(1, { keep: 3, totalCount: 41 });
    const three = (await get(fake, '/clients/101', { page: 2 })).body;
    expect(three.data).toEqual(real.data.slice(0, 3));
    expect(three.meta).toEqual({ page: 2, total_count: 41 });
    // no total to lower on transactions
    fake.faults.shortNext(1, { keep: 1 });
    expect((await get(fake, '/transactions/101')).body).toMatchObject({ data: [{}], meta: [] });
  });

  it('poisonNext nul and surrogate: the escapes are on the wire, in a nested object too for nul', async () => {
    const fake = makeFake();
    fake.faults.poisonNext(1, { path: '/clients/{company_id}', poison: 'nul' });
    const nul = await raw(fake, '/clients/101');
    expect(nul.text).toContain('\\u0000');
    const client = JSON.parse(nul.text).data[0];
    expect(client.name).toContain('\u0000');
    expect(client.name.replace('\u0000', '')).toBe(fake.company(101).clients.get(client.id)!.name);

    fake.faults.poisonNext(1, { path: /records/, poison: 'nul', index: 2 });
    const records = JSON.parse((await raw(fake, '/records/101')).text).data;
    expect(records[2].comment).toContain('\u0000');
    expect(records[2].services[0].title).toContain('\u0000');
    expect(JSON.stringify(records[1])).not.toContain('\\u0000');

    fake.faults.poisonNext(1, { poison: 'surrogate' });
    const surrogate = await raw(fake, '/clients/101');
    expect(surrogate.text).toContain('\\ud800');
    expect(JSON.parse(surrogate.text).data[0].name).toMatch(/\ud800/);
    expect((await raw(fake, '/clients/101')).text).not.toMatch(/\\u0000|\\ud800/);
  });

  it('poisonNext: bad ids, a null row, a zero datetime; the total stays the real one', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    const real = (await get(fake, '/clients/101')).body;
    const poisoned = async (
      poison: Parameters<YclientsFake['faults']['poisonNext']>[1]['poison'],
      index = 0,
    ) => {
      fake.faults.poisonNext(1, { poison, index });
      const body = (await get(fake, '/clients/101')).body;
      expect(body.meta).toEqual(real.meta);
      expect(body.data.filter((_: unknown, i: number) => i !== index)).toEqual(
        real.data.filter((_: unknown, i: number) => i !== index),
      );
      return body.data[index];
    };
    expect((await poisoned('id-zero')).id).toBe(0);
    expect((await poisoned('id-negative', 3)).id).toBe(-5);
    expect((await poisoned('id-text')).id).toBe('abc');
    const missing = await poisoned('id-missing');
    expect('id' in missing).toBe(false);
    expect(missing.name).toBe(real.data[0].name);
    expect(await poisoned('null-row', 1)).toBeNull();

    fake.faults.poisonNext(1, { path: /records/, poison: 'zero-datetime' });
    const record = (await get(fake, '/records/101')).body.data[0];
    expect(record.datetime).toBe('0000-00-00 00:00:00');
    expect(record.date).toBe('0000-00-00 00:00:00');
    // aimed past the last row: nothing to spoil
    fake.faults.poisonNext(1, { poison: 'id-zero', index: 500 });
    expect((await get(fake, '/clients/101')).body).toEqual(real);
  });

  it('poisonNext huge-string: a text field of `size` characters, streamed with a Content-Length', async () => {
    const fake = makeFake();
    fake.faults.poisonNext(1, { poison: 'huge-string', size: 300_000, index: 1 });
    const { response, text } = await raw(fake, '/clients/101');
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text);
    expect(body.data[1].name).toBe('x'.repeat(300_000));
    expect(body.meta.total_count).toBe(200);
  });

  it('hugeNext: valid JSON of the asked size, with a Content-Length or chunked, in process and over HTTP', async () => {
    const fake = makeFake();
    const real = (await get(fake, '/records/101')).body;
    fake.faults.hugeNext(1, { path: /records/, bytes: 1_000_000 });
    const inProcess = await raw(fake, '/records/101');
    expect(inProcess.response.headers.get('content-length')).toBe('1000000');
    expect(Buffer.byteLength(inProcess.text)).toBe(1_000_000);
    const body = JSON.parse(inProcess.text);
    expect(body.meta).toEqual(real.meta);
    expect(body.data[0].comment).toMatch(/^x+$/);
    expect(body.data.slice(1)).toHaveLength(real.data.length - 1);
    expect(fake.requests.at(-1)!.status).toBe(200);

    const server = await fake.listen();
    try {
      const headers = { Authorization: AUTH };
      const bytes = 50 * 1024 * 1024;
      fake.faults.hugeNext(1, { bytes });
      const sized = await fetch(`${server.url}/clients/101`, { headers });
      expect(sized.headers.get('content-length')).toBe(String(bytes));
      const sizedText = await sized.text();
      expect(Buffer.byteLength(sizedText)).toBe(bytes);
      expect(JSON.parse(sizedText).data).toHaveLength(20);
      fake.faults.hugeNext(1, { bytes: 2_000_000, chunked: true });
      const streamed = await fetch(`${server.url}/clients/101`, { headers });
      expect(streamed.headers.get('content-length')).toBeNull();
      expect(streamed.headers.get('transfer-encoding')).toBe('chunked');
      const streamedText = await streamed.text();
      expect(Buffer.byteLength(streamedText)).toBe(2_000_000);
      expect(JSON.parse(streamedText).success).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('the control endpoint adds every new kind with the same option names', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 100 }] });
    const server = await fake.listen();
    const control = server.url.replace(/\/api\/v1$/, '/__control');
    const addFault = (body: unknown) =>
      fetch(`${control}/faults`, { method: 'POST', body: JSON.stringify(body) });
    const api = (query = '') =>
      fetch(`${server.url}/clients/101${query}`, { headers: { Authorization: AUTH } });
    try {
      expect((await addFault({ kind: 'poison', poison: 'bad' })).status).toBe(400);
      expect((await addFault({ kind: 'huge' })).status).toBe(400);
      await addFault({
        kind: 'short',
        n: 2,
        path: '/clients/{company_id}',
        query: { page: 2 },
        keep: 4,
        totalCount: 7,
      });
      await addFault({ kind: 'empty', query: { page: '3' } });
      await addFault({ kind: 'poison', poison: 'surrogate', index: 2 });
      await addFault({ kind: 'huge', bytes: 100_000, chunked: true });
      expect(await (await addFault({ kind: 'poison', poison: 'id-text' })).json()).toEqual({ pending: 6 });
      expect((await (await api('?page=3')).json()).data).toEqual([]);
      const short = await (await api('?page=2')).json();
      expect([short.data.length, short.meta.total_count]).toEqual([4, 7]);
      expect(await (await api('?page=2')).json()).toMatchObject({ meta: { total_count: 7 } });
      expect(await (await api()).text()).toContain('\\ud800');
      const huge = await api();
      expect(huge.headers.get('content-length')).toBeNull();
      expect(Buffer.byteLength(await huge.text())).toBe(100_000);
      expect((await (await api()).json()).data[0].id).toBe('abc');
      expect((await (await api()).json()).data[0].id).toBe(10_000_001);
    } finally {
      await server.close();
    }
  });
});

describe('bad rows that stay upstream', () => {
  it('a client name holding U+0000 and a lone surrogate, set in process or over the control endpoint', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 30 }] });
    const co = fake.company(101);
    const [first, second] = [...co.clients.list()];
    co.clients.update(first!.id, { name: 'Ан\u0000на\ud800' });
    const server = await fake.listen();
    try {
      const control = server.url.replace(/\/api\/v1$/, '/__control');
      const patched = await fetch(`${control}/companies/101/clients/${second!.id}`, {
        method: 'PATCH',
        body: JSON.stringify({ name: 'Вера\u0000\ud800' }),
      });
      expect(await patched.text()).toContain('"name":"Вера\\u0000\\ud800"');
      for (let read = 0; read < 2; read++) {
        const { text } = await raw(fake, '/clients/101');
        expect(text).toContain('"name":"Ан\\u0000на\\ud800"');
        expect(text).toContain('"name":"Вера\\u0000\\ud800"');
      }
    } finally {
      await server.close();
    }
  });

  it("a record's datetime set to the zero date stays in its window on every read", async () => {
    const fake = makeFake({ companies: [{ id: 101, records: 500 }] });
    const window = { start_date: '2025-05-01', end_date: '2025-05-31', count: '1000' };
    const before = (await get(fake, '/records/101', window)).body;
    const id = before.data[5].id;
    fake.company(101).records.update(id, { datetime: ZERO_DATETIME });
    for (let read = 0; read < 2; read++) {
      const after = (await get(fake, '/records/101', window)).body;
      expect(after.meta.total_count).toBe(before.meta.total_count);
      const row = after.data.find((r: { id: number }) => r.id === id);
      expect([row.datetime, row.date]).toEqual([ZERO_DATETIME, ZERO_DATETIME]);
    }
    expect((await get(fake, `/record/101/${id}`)).body.data.datetime).toBe(ZERO_DATETIME);
    expect(fake.company(101).records.delete(id)).toBe(true);
    const deleted = (await get(fake, '/records/101', { ...window, with_deleted: '1' })).body.data;
    expect(deleted.find((r: { id: number }) => r.id === id)).toMatchObject({
      deleted: true,
      date: ZERO_DATETIME,
    });
  });

  it('clients vanish without a flag, one by one or many at once over the control endpoint', async () => {
    const fake = makeFake({ companies: [{ id: 101, clients: 1000 }] });
    const ids = [...fake.company(101).clients.list()].map((r) => r.id);
    expect(fake.company(101).clients.delete(ids[0]!)).toBe(true);
    const server = await fake.listen();
    try {
      const control = server.url.replace(/\/api\/v1$/, '/__control');
      const bulk = await fetch(`${control}/companies/101/clients`, {
        method: 'DELETE',
        body: JSON.stringify({ ids: [...ids.slice(0, 900), 1] }),
      });
      expect(await bulk.json()).toEqual({ deleted: 899 });
      const left = (await get(fake, '/clients/101', { count: 300 })).body;
      expect(left.meta.total_count).toBe(100);
      expect(left.data.map((r: { id: number }) => r.id)).toEqual(ids.slice(900));
      expect(left.data.every((r: object) => !('deleted' in r))).toBe(true);
      const noIds = await fetch(`${control}/companies/101/clients`, { method: 'DELETE', body: '{}' });
      expect(noIds.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
