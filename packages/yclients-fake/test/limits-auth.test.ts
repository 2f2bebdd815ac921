import { describe, expect, it } from 'vitest';
import { call, get, makeFake } from './helpers';

const THROTTLE = { success: false, data: null, meta: { message: 'Превышен лимит запросов' } };

describe('rate limits', () => {
  it('the 6th request within a second is throttled; a second later it passes', async () => {
    let t = 1_000_000;
    const fake = makeFake({ rateLimit: { now: () => t } });
    for (let i = 0; i < 5; i++) expect((await get(fake, '/company/101')).status).toBe(200);
    const sixth = await get(fake, '/company/101');
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual(THROTTLE);
    expect(sixth.headers.get('retry-after')).toBeNull();
    t += 1000;
    expect((await get(fake, '/company/101')).status).toBe(200);
    expect(fake.count({ status: 429 })).toBe(1);
  });

  it('the 201st request within a minute is throttled, even at 5 a second', async () => {
    let t = 0;
    const fake = makeFake({ rateLimit: { now: () => t } });
    for (let i = 0; i < 200; i++) {
      if (i % 5 === 0) t += 1000;
      expect((await get(fake, '/company/101')).status).toBe(200);
    }
    t += 1000;
    expect((await get(fake, '/company/101')).status).toBe(429);
    t += 5000; // the oldest requests are still inside the rolling minute
    expect((await get(fake, '/company/101')).status).toBe(429);
    t = 61_001; // the first five have left the window
    expect((await get(fake, '/company/101')).status).toBe(200);
  });

  it('optional Retry-After, and an HTTP 200 form of the same body', async () => {
    const t = 0;
    const withHeader = makeFake({ rateLimit: { now: () => t, perSecond: 1, retryAfter: true } });
    await get(withHeader, '/company/101');
    const r = await get(withHeader, '/company/101');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    const as200 = makeFake({ rateLimit: { now: () => t, perSecond: 1, as200: true } });
    await get(as200, '/company/101');
    const s = await get(as200, '/company/101');
    expect(s.status).toBe(200);
    expect(s.body).toEqual(THROTTLE);
  });

  it('clients search has its own, stricter limiter', async () => {
    const t = 0;
    const fake = makeFake({ rateLimit: { now: () => t }, searchRateLimit: { now: () => t } });
    const search = () => call(fake, 'POST', '/company/101/clients/search', { body: {} });
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(429);
    expect((await get(fake, '/company/101')).status).toBe(200);
  });

  it('is on by default (5/s, 200/min) and can be turned off', async () => {
    const on = makeFake({ rateLimit: undefined });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(on, '/company/101')).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const off = makeFake({ rateLimit: false });
    for (let i = 0; i < 50; i++) expect((await get(off, '/company/101')).status).toBe(200);
  });
});

describe('authorisation', () => {
  it('accepts "Bearer p, User u" with or without the space', async () => {
    const fake = makeFake();
    expect(
      (await call(fake, 'GET', '/clients/101', { auth: 'Bearer partner-token,User user-token' })).status,
    ).toBe(200);
    expect(
      (await call(fake, 'GET', '/clients/101', { auth: 'Bearer partner-token, User user-token' })).status,
    ).toBe(200);
  });

  it('401 without a partner token, and without a user token where one is needed', async () => {
    const fake = makeFake();
    const none = await call(fake, 'GET', '/clients/101', { auth: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ success: false, data: null, meta: { message: 'Необходима авторизация' } });
    expect((await call(fake, 'GET', '/clients/101', { auth: 'Bearer wrong, User user-token' })).status).toBe(
      401,
    );
    expect((await call(fake, 'GET', '/records/101', { auth: 'Bearer partner-token' })).status).toBe(401);
    expect(
      (await call(fake, 'GET', '/records/101', { auth: 'Bearer partner-token, User nope' })).status,
    ).toBe(401);
    // the company card needs only the partner token, and fails in the `errors` form
    expect((await call(fake, 'GET', '/company/101', { auth: 'Bearer partner-token' })).status).toBe(200);
    const company = await call(fake, 'GET', '/company/101', { auth: 'Bearer nope' });
    expect(company.status).toBe(401);
    expect(company.body).toEqual({
      errors: { code: 401, message: 'Необходима авторизация' },
      meta: { message: 'Необходима авторизация' },
    });
  });

  it('POST /auth: 201 with the user token, 401 on a wrong password', async () => {
    const fake = makeFake();
    const okAuth = await call(fake, 'POST', '/auth', {
      auth: 'Bearer partner-token',
      body: { login: 'admin@salon.test', password: 'secret' },
    });
    expect(okAuth.status).toBe(201);
    expect(okAuth.body.data.user_token).toBe('user-token');
    expect(okAuth.body.meta).toEqual([]);
    const bad = await call(fake, 'POST', '/auth', {
      auth: 'Bearer partner-token',
      body: { login: 'admin@salon.test', password: 'wrong' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body.success).toBe(false);
  });

  it('POST /auth with 2FA: 200 and a challenge, then 201 with the code', async () => {
    const fake = makeFake({ twoFactor: true, credentials: { userToken: 'u2' } });
    const creds = { login: 'admin@salon.test', password: 'secret' };
    const first = await call(fake, 'POST', '/auth', { auth: 'Bearer partner-token', body: creds });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ flow: 'login', transport: { type: 'email' } });
    expect(first.body.data).not.toHaveProperty('user_token');
    const wrong = await call(fake, 'POST', '/auth', {
      auth: 'Bearer partner-token',
      body: { ...creds, '2fa': { uuid: first.body.data.uuid, secret: '0000' } },
    });
    expect(wrong.status).toBe(401);
    const second = await call(fake, 'POST', '/auth', {
      auth: 'Bearer partner-token',
      body: { ...creds, '2fa': { uuid: first.body.data.uuid, secret: '1234' } },
    });
    expect(second.status).toBe(201);
    expect(second.body.data.user_token).toBe('u2');
  });

  it('expired licence: 403 on lists, 402 on clients search; unknown company: 404', async () => {
    const fake = makeFake({ companies: [{ id: 101 }, { id: 202, licenceExpired: true }] });
    const staff = await get(fake, '/company/202/staff');
    expect(staff.status).toBe(403);
    expect(staff.body.meta.message).toBe('Необходимо продлить лицензию в филиале с id: 202');
    const search = await call(fake, 'POST', '/company/202/clients/search', { body: {} });
    expect(search.status).toBe(402);
    expect((await get(fake, '/company/101/staff')).status).toBe(200);
    const unknown = await get(fake, '/records/999');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, data: null, meta: { message: 'Филиал не найден.' } });
  });
});
