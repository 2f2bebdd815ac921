import { describe, expect, it } from 'vitest';
import { AUTH, get, makeFake } from './helpers';

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
});
