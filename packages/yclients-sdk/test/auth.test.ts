import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { YclientsAuthError } from '../src';
import { client, fail, ok, PARTNER, sequence, useServer } from './helpers';

useServer();

const withLogin = () =>
  client({ userToken: undefined, login: 'owner@salon.test', password: 'pa$$word-SECRET' } as never);

describe('authentication', () => {
  it('POST /auth once (201), then the user token is used', async () => {
    const auth = sequence('post', '/auth', [
      () => ok({ id: 1, user_token: 'fresh-user-token', name: 'Owner' }, [], { status: 201 }),
    ]);
    const staff = sequence('get', '/company/:id/staff', [() => ok([])]);
    const yc = withLogin();
    await Promise.all([yc.staff(1), yc.staff(1)]);
    expect(auth).toHaveLength(1);
    expect(auth[0]!.headers.get('authorization')).toBe(`Bearer ${PARTNER}`);
    expect(await auth[0]!.json()).toEqual({ login: 'owner@salon.test', password: 'pa$$word-SECRET' });
    expect(staff[1]!.headers.get('authorization')).toBe(`Bearer ${PARTNER}, User fresh-user-token`);
  });

  it('HTTP 200 from /auth means 2FA: a clear YclientsAuthError', async () => {
    sequence('post', '/auth', [
      () => ok({ uuid: 'u', flow: 'login', transport: { type: 'email', recipient: 'o***@salon.test' } }),
    ]);
    const error = await withLogin()
      .authenticate()
      .catch((e) => e);
    expect(error).toBeInstanceOf(YclientsAuthError);
    expect(error.code).toBe('two_factor_required');
    expect(error.message).toMatch(/two-factor/);
  });

  it('a wrong password is a YclientsAuthError and /auth is never retried', async () => {
    const auth = sequence('post', '/auth', [() => fail(422, 'Неверный логин или пароль')]);
    const error = await withLogin()
      .authenticate()
      .catch((e) => e);
    expect(error).toBeInstanceOf(YclientsAuthError);
    expect(error.status).toBe(422);
    expect(auth).toHaveLength(1);
  });

  it('a 5xx from /auth is not retried either (a POST)', async () => {
    const auth = sequence('post', '/auth', [() => new HttpResponse(null, { status: 502 })]);
    await expect(withLogin().authenticate()).rejects.toMatchObject({ status: 502 });
    expect(auth).toHaveLength(1);
  });

  it('401/402/403 on a read are YclientsAuthError with the status', async () => {
    sequence('get', '/company/:id/staff', [
      () => fail(403, 'Необходимо продлить лицензию в филиале с id: 1'),
    ]);
    sequence('get', '/transactions/:id', [() => fail(402, 'Необходимо продлить лицензию')]);
    sequence('get', '/company/:id', [
      () =>
        HttpResponse.json(
          {
            errors: { code: 401, message: 'Необходима авторизация' },
            meta: { message: 'Необходима авторизация' },
          },
          { status: 401 },
        ),
    ]);
    const yc = client();
    await expect(yc.staff(1)).rejects.toMatchObject({ name: 'YclientsAuthError', status: 403 });
    await expect(
      yc.transactionsPage(1, { page: 1, startDate: '2024-01-01', endDate: '2024-01-02' }),
    ).rejects.toMatchObject({ status: 402 });
    await expect(yc.company(1)).rejects.toMatchObject({ status: 401, apiMessage: 'Необходима авторизация' });
  });

  it('an `errors` body at HTTP 200 (no success/data) is a failure too', async () => {
    sequence('get', '/company/:id', [
      () =>
        HttpResponse.json({
          errors: { code: 401, message: 'Необходима авторизация' },
          meta: { message: 'Необходима авторизация' },
        }),
    ]);
    await expect(client().company(1)).rejects.toBeInstanceOf(YclientsAuthError);
  });
});
