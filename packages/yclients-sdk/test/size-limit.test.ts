import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { isTransient, YclientsNetworkError } from '../src';
import { client, ok, sequence, useServer } from './helpers';

useServer();

const LIMIT = 1000;
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A success envelope of exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const head = '{"success":true,"data":[{"id":1,"title":"';
  const tail = '"}],"meta":[]}';
  return `${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`;
}

/** An endless body in chunks of 100 bytes, no Content-Length; counts the chunks handed out. */
function endless() {
  const state = { pulled: 0 };
  const chunk = new TextEncoder().encode(`[${'1,'.repeat(49)}`.slice(0, 100));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      controller.enqueue(chunk);
    },
  });
  return { state, response: () => new HttpResponse(body, { status: 200, headers: JSON_TYPE }) };
}

describe('maxResponseBytes', () => {
  it('a body over the limit by Content-Length is refused unread, retried like a network error, then thrown', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () =>
        new HttpResponse(bodyOf(LIMIT + 1), {
          headers: { ...JSON_TYPE, 'Content-Length': String(LIMIT + 1) },
        }),
    ]);
    const retries: unknown[] = [];
    const responses: number[] = [];
    const yc = client({
      maxResponseBytes: LIMIT,
      retries: 2,
      hooks: { onRetry: (e) => retries.push(e.reason), onResponse: (e) => responses.push(e.status) },
    });
    const error = await yc.accounts(42).catch((e) => e);
    expect(error).toBeInstanceOf(YclientsNetworkError);
    expect(error.code).toBe('response_too_large');
    expect(error.message).toBe(
      'GET /accounts/{company_id}: answer larger than 1000 bytes (limit maxResponseBytes)',
    );
    expect(isTransient(error)).toBe(true);
    expect(calls).toHaveLength(3);
    // The answer did arrive (status 200); it is the size that makes it unusable.
    expect(responses).toEqual([200, 200, 200]);
    expect(retries).toEqual(['response_too_large', 'response_too_large']);
  });

  it('a streamed body without Content-Length is cut off as soon as it passes the limit', async () => {
    const body = endless();
    const calls = sequence('get', '/records/:id', [body.response]);
    const error = await client({ maxResponseBytes: LIMIT, retries: 0 })
      .recordsPage(42, { page: 1, changedAfter: '2024-05-01T00:00:00' })
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'YclientsNetworkError', code: 'response_too_large' });
    // The path template, never the query.
    expect(error.message).toBe(
      'GET /records/{company_id}: answer larger than 1000 bytes (limit maxResponseBytes)',
    );
    expect(calls).toHaveLength(1);
    // Reading stopped just past the limit (msw keeps a clone of the body, so the source itself is not
    // cancelled here; a real connection is).
    expect(body.state.pulled).toBeLessThan(20);
  });

  it('a body of exactly the limit passes, with or without Content-Length', async () => {
    const text = bodyOf(LIMIT);
    sequence('get', '/accounts/:id', [
      () => new HttpResponse(text, { headers: { ...JSON_TYPE, 'Content-Length': String(LIMIT) } }),
      () => new HttpResponse(new Blob([text]).stream(), { headers: JSON_TYPE }),
    ]);
    const yc = client({ maxResponseBytes: LIMIT, retries: 0 });
    expect((await yc.accounts(42)).rows).toHaveLength(1);
    expect((await yc.accounts(42)).rows).toHaveLength(1);
  });

  it('counts bytes, not characters', async () => {
    // 600 Cyrillic letters are 1200 bytes of UTF-8.
    sequence('get', '/accounts/:id', [() => ok([{ id: 1, title: 'я'.repeat(600) }])]);
    await expect(client({ maxResponseBytes: LIMIT, retries: 0 }).accounts(42)).rejects.toMatchObject({
      code: 'response_too_large',
    });
  });

  it('a retry that comes back small succeeds', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () => new HttpResponse(bodyOf(LIMIT * 2), { headers: JSON_TYPE }),
      () => ok([{ id: 6, title: 'Касса' }]),
    ]);
    expect((await client({ maxResponseBytes: LIMIT }).accounts(42)).rows).toMatchObject([{ id: 6 }]);
    expect(calls).toHaveLength(2);
  });

  it('the default limit is 16 MiB', async () => {
    sequence('get', '/accounts/:id', [
      () =>
        new HttpResponse('[]', { headers: { ...JSON_TYPE, 'Content-Length': String(16 * 1024 * 1024 + 1) } }),
    ]);
    await expect(client({ retries: 0 }).accounts(42)).rejects.toThrow(
      'GET /accounts/{company_id}: answer larger than 16 MiB (limit maxResponseBytes)',
    );
  });

  it('the timeout covers reading the body: a body that stalls times out', async () => {
    const calls = sequence('get', '/accounts/:id', [
      () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"success":true,"data":['));
            },
          }),
          { headers: JSON_TYPE },
        ),
    ]);
    const error = await client({ timeoutMs: 30, retries: 1 })
      .accounts(42)
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'YclientsNetworkError', code: 'timeout' });
    expect(calls).toHaveLength(2);
  });
});
