import { delay, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  isTransient,
  YclientsApiError,
  YclientsError,
  YclientsNetworkError,
  YclientsRateLimitError,
} from '../src';
import { retryAfterMs } from '../src/transport';
import { client, fail, ok, sequence, useServer } from './helpers';

useServer();

const THROTTLED = { success: false, data: null, meta: { message: 'Превышен лимит запросов' } };
const listAccounts = (yc = client()) => yc.accounts(42);

describe('retries of idempotent requests', () => {
  it('429 with Retry-After: waits what the server says (capped), then succeeds', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => HttpResponse.json(THROTTLED, { status: 429, headers: { 'Retry-After': '30' } }),
      () => ok([{ id: 1, title: 'Касса' }]),
    ]);
    const retries: number[] = [];
    const yc = client({ retryAfterMaxMs: 7, hooks: { onRetry: (e) => retries.push(e.delayMs) } });
    expect((await listAccounts(yc)).rows).toHaveLength(1);
    expect(calls).toHaveLength(2);
    expect(retries).toEqual([7]);
  });

  it('429 without Retry-After: backs off (at least a second for throttling) and succeeds', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => HttpResponse.json(THROTTLED, { status: 429 }),
      () => ok([]),
    ]);
    const events: { delayMs: number; reason: string; status: number }[] = [];
    // Throttling backs off at least min(1 s, retryMaxMs); the test client's retryMaxMs is 5 ms.
    const yc = client({ hooks: { onRetry: (e) => events.push(e) } });
    await listAccounts(yc);
    expect(calls).toHaveLength(2);
    expect(events).toEqual([expect.objectContaining({ reason: 'rate_limited', status: 429, delayMs: 5 })]);
  });

  it('5xx twice, then success', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => new HttpResponse('Bad gateway', { status: 502 }),
      () => fail(500, 'Внутренняя ошибка'),
      () => ok([]),
    ]);
    await listAccounts();
    expect(calls).toHaveLength(3);
  });

  it('gives up after `retries` and throws the last error', async () => {
    const calls = sequence('get', '/accounts/:id', [() => new HttpResponse(null, { status: 503 })]);
    const error = await listAccounts(client({ retries: 2 })).catch((e) => e);
    expect(error).toBeInstanceOf(YclientsApiError);
    expect(error.status).toBe(503);
    expect(calls).toHaveLength(3);
  });

  it('success:false at HTTP 200 with the throttle text is retried', async () => {
    const calls = sequence('get', '/accounts/:id', [() => HttpResponse.json(THROTTLED), () => ok([])]);
    await listAccounts();
    expect(calls).toHaveLength(2);
  });

  it('a redirect is not followed (the tokens would go wherever it points) and not retried', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () =>
        new HttpResponse(null, {
          status: 302,
          headers: { Location: 'https://elsewhere.example/steal?token=1' },
        }),
    ]);
    const error = await listAccounts().catch((e) => e);
    expect(error).toBeInstanceOf(YclientsApiError);
    expect(error).toMatchObject({ status: 302 });
    expect(String(error.message)).toContain('redirected to elsewhere.example; redirects are not followed');
    expect(String(error.message)).not.toContain('token=1');
    expect(calls).toHaveLength(1);
  });

  it('success:false at HTTP 200 with another message is a YclientsApiError, not retried', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => HttpResponse.json({ success: false, data: null, meta: { message: 'Филиал не найден.' } }),
    ]);
    const error = await listAccounts().catch((e) => e);
    expect(error).toBeInstanceOf(YclientsApiError);
    expect(error).not.toBeInstanceOf(YclientsRateLimitError);
    expect(error).toMatchObject({
      status: 200,
      apiMessage: 'Филиал не найден.',
      method: 'GET',
      path: '/accounts/{company_id}',
    });
    expect(calls).toHaveLength(1);
  });

  it('4xx is not retried and carries meta.message and meta.errors', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => fail(400, 'Недопустимое значение фильтра', { errors: { filters: ['bad'] } }),
    ]);
    const error = await listAccounts().catch((e) => e);
    expect(error).toMatchObject({
      status: 400,
      apiMessage: 'Недопустимое значение фильтра',
      apiErrors: { filters: ['bad'] },
    });
    expect(error.message).toBe('GET /accounts/{company_id} → 400: Недопустимое значение фильтра');
    expect(calls).toHaveLength(1);
  });

  it('a timeout is retried, then reported as YclientsNetworkError(timeout)', async () => {
    const calls = sequence('get', '/accounts/:id', [
      async () => {
        await delay('infinite');
        return ok([]);
      },
    ]);
    const error = await listAccounts(client({ timeoutMs: 30, retries: 1 })).catch((e) => e);
    expect(error).toBeInstanceOf(YclientsNetworkError);
    expect(error.code).toBe('timeout');
    expect(isTransient(error)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('a timeout then a good answer succeeds', async () => {
    const calls = sequence('get', '/accounts/:id', [
      async () => {
        await delay('infinite');
        return ok([]);
      },
      () => ok([{ id: 1, title: 'Касса' }]),
    ]);
    expect((await listAccounts(client({ timeoutMs: 30 }))).rows).toHaveLength(1);
    expect(calls).toHaveLength(2);
  });

  it('network errors and truncated JSON are retried', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => HttpResponse.error(),
      () =>
        new HttpResponse('{"success":true,"data":[{"id":1', {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
      () => ok([]),
    ]);
    await listAccounts();
    expect(calls).toHaveLength(3);
  });

  it('truncated JSON every time ends in YclientsNetworkError(invalid_json)', async () => {
    sequence('get', '/accounts/:id', [() => new HttpResponse('{"success":tr', { status: 200 })]);
    await expect(listAccounts(client({ retries: 1 }))).rejects.toMatchObject({
      name: 'YclientsNetworkError',
      code: 'invalid_json',
    });
  });

  it("a caller's abort stops at once and is not transient", async () => {
    sequence('get', '/accounts/:id', [
      async () => {
        await delay('infinite');
        return ok([]);
      },
    ]);
    const controller = new AbortController();
    const pending = client().GET('/accounts/{company_id}', {
      params: { path: { company_id: 1 } },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 10);
    const error = await pending.catch((e) => e);
    expect(error).toMatchObject({ code: 'aborted' });
    expect(isTransient(error)).toBe(false);
  });
});

describe('writes are never retried blindly', () => {
  it.each([
    ['503', () => new HttpResponse(null, { status: 503 })],
    ['429', () => HttpResponse.json(THROTTLED, { status: 429, headers: { 'Retry-After': '1' } })],
    ['a network error', () => HttpResponse.error()],
  ])('POST /clients after %s is sent once', async (_name, answer) => {
    const calls = sequence('post', '/clients/:id', [answer, () => ok({ id: 1 }, [], { status: 201 })]);
    // the first answer's own error, not a retry's result
    await expect(client().createClient(42, { name: 'X', phone: '79160000000' })).rejects.toBeInstanceOf(
      YclientsError,
    );
    expect(calls).toHaveLength(1);
  });

  it('POST /records after a timeout is sent once', async () => {
    const calls = sequence('post', '/records/:id', [
      async () => {
        await delay('infinite');
        return ok({});
      },
    ]);
    await expect(client({ timeoutMs: 20 }).createRecord(42, { staff_id: 1 })).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(calls).toHaveLength(1);
  });

  it('PUT and DELETE are idempotent and retried', async () => {
    const puts = sequence('put', '/client/:id/:cid', [
      () => new HttpResponse(null, { status: 502 }),
      () => ok({ id: 3 }),
    ]);
    const dels = sequence('delete', '/record/:id/:rid', [
      () => new HttpResponse(null, { status: 502 }),
      () => new HttpResponse(null, { status: 204 }),
    ]);
    const yc = client();
    await yc.updateClient(42, 3, { name: 'Y' });
    await yc.deleteRecord(42, 4);
    expect([puts.length, dels.length]).toEqual([2, 2]);
  });
});

describe('Retry-After parsing', () => {
  it('seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
