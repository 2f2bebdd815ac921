import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { YclientsAuthError } from '../src';
import { client, fail, ok, PARTNER, sequence, useServer } from './helpers';

useServer();

const withLogin = () =>
  client({ userToken: undefined, login: 'owner@salon.test', password: 'pa$$word-SECRET' });

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

  it('HTTP 200 from /auth means 2FA: authenticate() fails with a clear YclientsAuthError', async () => {
    sequence('post', '/auth', [
      () => ok({ uuid: 'u', flow: 'login', transport: { type: 'email', recipient: 'o***@salon.test' } }),
    ]);
    const error = await withLogin()
      .authenticate()
      .catch((e) => e);
    expect(error).toBeInstanceOf(YclientsAuthError);
    expect(error.code).toBe('two_factor_required');
    expect(error.message).toMatch(
      /two-factor login is on .* sent by email\); .* login\(\) and submitTwoFactorCode\(\)/,
    );
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

const CHALLENGE = {
  uuid: 'qwer1234-qw12-1234-q123-5c9a37d530cd',
  flow: 'login',
  transport: { type: 'email', recipient: 'test***@yclients.com' },
  refresh_ttl_sec: 60,
  attempts_left: 3,
};
const PASSWORD = 'pa$$word-SECRET';
const CODE = '482913';
const USER_ANSWER = {
  id: 77,
  user_token: 'token-after-2fa-SECRET',
  name: 'Owner',
  login: 'owner@salon.test',
};

/** POST /auth as YClients answers it for a user with 2FA on: a challenge, then the token for the right code. */
function twoFactorAuth() {
  const calls = sequence('post', '/auth', [() => ok(CHALLENGE), () => ok(USER_ANSWER, [], { status: 201 })]);
  return { calls };
}

describe('two-factor login', () => {
  it('login() gives the challenge; submitTwoFactorCode() sends uuid + code and gives the token, then used', async () => {
    const { calls } = twoFactorAuth();
    const staff = sequence('get', '/company/:id/staff', [() => ok([])]);
    const yc = withLogin();

    const first = await yc.login();
    expect(first).toEqual({
      status: 'two_factor_required',
      challenge: {
        uuid: CHALLENGE.uuid,
        flow: 'login',
        transport: 'email',
        recipient: 'test***@yclients.com',
        refreshTtlSec: 60,
        attemptsLeft: 3,
      },
    });
    if (first.status !== 'two_factor_required') throw new Error('unreachable');

    const second = await yc.submitTwoFactorCode(first.challenge, ` ${CODE} `);
    expect(second).toEqual({
      status: 'authorised',
      userToken: 'token-after-2fa-SECRET',
      userId: 77,
      userName: 'Owner',
    });
    expect(calls).toHaveLength(2);
    expect(await calls[0]!.json()).toEqual({ login: 'owner@salon.test', password: PASSWORD });
    expect(await calls[1]!.json()).toEqual({
      login: 'owner@salon.test',
      password: PASSWORD,
      '2fa': { uuid: CHALLENGE.uuid, secret: CODE },
    });
    for (const call of calls) expect(call.headers.get('authorization')).toBe(`Bearer ${PARTNER}`);

    await yc.staff(1); // the client now uses the token: no further login
    expect(calls).toHaveLength(2);
    expect(staff[0]!.headers.get('authorization')).toBe(`Bearer ${PARTNER}, User token-after-2fa-SECRET`);
  });

  it('a user without 2FA is authorised by login() directly', async () => {
    sequence('post', '/auth', [() => ok(USER_ANSWER, [], { status: 201 })]);
    expect(await withLogin().login()).toMatchObject({
      status: 'authorised',
      userToken: USER_ANSWER.user_token,
    });
  });

  it('the uuid alone is enough for the second step', async () => {
    const { calls } = twoFactorAuth();
    const yc = withLogin();
    await yc.login();
    expect(await yc.submitTwoFactorCode(CHALLENGE.uuid, CODE)).toMatchObject({ status: 'authorised' });
    expect(await calls[1]!.json()).toMatchObject({ '2fa': { uuid: CHALLENGE.uuid, secret: CODE } });
  });

  it('a refused code is `two_factor_refused`, sent once, and names neither code, password nor token', async () => {
    const calls = sequence('post', '/auth', [
      () => ok(CHALLENGE),
      () => fail(401, 'Неверный код подтверждения'),
    ]);
    const events: unknown[] = [];
    const yc = client({
      userToken: undefined,
      login: 'owner@salon.test',
      password: PASSWORD,
      hooks: {
        onRequest: (e) => events.push(e),
        onResponse: (e) => events.push(e),
        onRetry: (e) => events.push(e),
      },
    });
    await yc.login();
    const error = await yc.submitTwoFactorCode(CHALLENGE.uuid, CODE).catch((e) => e);
    expect(error).toBeInstanceOf(YclientsAuthError);
    expect(error).toMatchObject({
      code: 'two_factor_refused',
      status: 401,
      apiMessage: 'Неверный код подтверждения',
    });
    expect(calls).toHaveLength(2);
    const seen = `${error.message} ${error.stack} ${JSON.stringify(error)} ${JSON.stringify(events)}`;
    for (const secret of [CODE, PASSWORD, PARTNER, CHALLENGE.uuid]) expect(seen).not.toContain(secret);
  });

  it('a code refused with HTTP 200 and success:false is refused too', async () => {
    sequence('post', '/auth', [
      () => ok(CHALLENGE),
      () => HttpResponse.json({ success: false, data: null, meta: { message: 'Код устарел' } }),
    ]);
    const yc = withLogin();
    await yc.login();
    await expect(yc.submitTwoFactorCode(CHALLENGE.uuid, CODE)).rejects.toMatchObject({
      code: 'two_factor_refused',
      status: 200,
      apiMessage: 'Код устарел',
    });
  });

  it('throttling and 5xx at /auth stay what they are (transient), and are not retried', async () => {
    const calls = sequence('post', '/auth', [
      () => ok(CHALLENGE),
      () => fail(429, 'Превышен лимит запросов'),
      () => new HttpResponse(null, { status: 503 }),
    ]);
    const yc = withLogin();
    await yc.login();
    await expect(yc.submitTwoFactorCode(CHALLENGE.uuid, CODE)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await expect(yc.submitTwoFactorCode(CHALLENGE.uuid, CODE)).rejects.toMatchObject({
      code: 'api',
      status: 503,
    });
    expect(calls).toHaveLength(3);
  });

  it('a new challenge in answer to a code is returned as one', async () => {
    sequence('post', '/auth', [
      () => ok(CHALLENGE),
      () => ok({ ...CHALLENGE, uuid: 'second', attempts_left: 2 }),
    ]);
    const yc = withLogin();
    await yc.login();
    expect(await yc.submitTwoFactorCode(CHALLENGE.uuid, CODE)).toMatchObject({
      status: 'two_factor_required',
      challenge: { uuid: 'second', attemptsLeft: 2 },
    });
  });

  it('an empty code or a client without login and password sends nothing', async () => {
    const calls = sequence('post', '/auth', [() => ok(CHALLENGE)]);
    await expect(withLogin().submitTwoFactorCode(CHALLENGE.uuid, '  ')).rejects.toBeInstanceOf(TypeError);
    await expect(client().login()).rejects.toMatchObject({ code: 'auth', status: 0 });
    await expect(client().submitTwoFactorCode(CHALLENGE.uuid, CODE)).rejects.toMatchObject({ code: 'auth' });
    expect(calls).toHaveLength(0);
  });

  it('a 200 without a uuid is no challenge', async () => {
    sequence('post', '/auth', [() => ok({ flow: 'login' })]);
    await expect(withLogin().login()).rejects.toMatchObject({
      code: 'auth',
      apiMessage: 'a 2FA answer without a uuid',
    });
  });
});
