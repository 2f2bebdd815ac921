import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createYclientsClient, type YclientsClientOptions } from '../src';

export const BASE = 'https://api.yclients.test/api/v1';
export const PARTNER = 'partner-SECRET-123';
export const USER = 'user-SECRET-456';
export const PHONE = '+79161234567';

export const server = setupServer();

/** msw for one test file: unhandled requests fail the test. */
export function useServer(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}

/** A client with a budget and backoff that do not slow tests down. */
export function client(overrides: Partial<YclientsClientOptions> = {}) {
  return createYclientsClient({
    partnerToken: PARTNER,
    userToken: USER,
    baseUrl: BASE,
    rps: 10_000,
    rpm: 100_000,
    retryBaseMs: 1,
    retryMaxMs: 5,
    retryAfterMaxMs: 5,
    ...overrides,
  } as YclientsClientOptions);
}

export const ok = (data: unknown, meta: unknown = [], init?: ResponseInit) =>
  HttpResponse.json({ success: true, data, meta }, init);

export const fail = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  HttpResponse.json({ success: false, data: null, meta: { message, ...extra } }, { status });

/** Serves a sequence of answers, one per request, and counts the requests. */
export function sequence(
  method: 'get' | 'post' | 'put' | 'delete',
  path: string,
  answers: (() => Response | Promise<Response>)[],
) {
  const calls: Request[] = [];
  server.use(
    http[method](`${BASE}${path}`, ({ request }) => {
      calls.push(request);
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return answer();
    }),
  );
  return calls;
}
