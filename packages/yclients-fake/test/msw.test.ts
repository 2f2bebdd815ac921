import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, call, makeFake } from './helpers';

describe('msw handlers', () => {
  const fake = makeFake();
  const server = setupServer(...fake.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it('answer plain fetch at https://api.yclients.com/api/v1', async () => {
    const r = await fetch('https://api.yclients.com/api/v1/records/101?count=3', {
      headers: { Authorization: AUTH },
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.data).toHaveLength(3);
    expect(body.meta.total_count).toBeGreaterThan(0);
  });

  it('turn a dropped connection into a network error', async () => {
    fake.faults.dropConnectionNext(1);
    await expect(
      fetch('https://api.yclients.com/api/v1/clients/101', { headers: { Authorization: AUTH } }),
    ).rejects.toThrow();
    expect((await call(fake, 'GET', '/clients/101')).status).toBe(200);
  });
});
