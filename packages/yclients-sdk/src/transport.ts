/**
 * The fetch that openapi-fetch calls (after its middleware has set the path template and the
 * Authorization header): every attempt waits for the shared budget, runs under a
 * per-request timeout combined with the caller's signal, and its answer is classified into a typed
 * error (or a clean Response). Idempotent requests are retried on transient failures with full-jitter
 * exponential backoff or the server's `Retry-After`; POSTs that write are sent once. No body larger
 * than `maxResponseBytes` is ever read whole: the process runs with a small heap.
 */
import { type RequestBudget, sleep } from './budget';
import {
  type ApiErrorDetails,
  isTransient,
  maskPhones,
  maskPhonesDeep,
  YclientsApiError,
  YclientsAuthError,
  YclientsNetworkError,
  YclientsRateLimitError,
} from './errors';

export interface RequestEvent {
  method: string;
  /** The path template (`/records/{company_id}`) or the URL path; never the query. */
  path: string;
  attempt: number;
}
export interface ResponseEvent extends RequestEvent {
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  status: number;
  ms: number;
}
export interface RetryEvent extends ResponseEvent {
  delayMs: number;
  /** The error code that caused the retry (`rate_limited`, `api`, `timeout`, …). */
  reason: string;
}
export interface YclientsHooks {
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
}

export interface TransportOptions {
  fetch: typeof fetch;
  budget: RequestBudget;
  timeoutMs: number;
  /** Largest body read, in bytes; a larger one is `response_too_large`. */
  maxResponseBytes: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryAfterMaxMs: number;
  hooks: YclientsHooks;
  /** The path template openapi-fetch used for this request, when known. */
  templateOf: (request: Request) => string | undefined;
  random?: () => number;
}

/** POST routes that only read, so they may be retried like a GET. */
export const READ_ONLY_POSTS: readonly string[] = ['/company/{company_id}/clients/search'];
const READ_ONLY_POST_PATHS = [/\/company\/[^/]+\/clients\/search\/?$/];

/** YClients' throttle text, sent with 429 or with HTTP 200 and `success:false` (OQ Q6). */
const THROTTLE_MESSAGE = /превышен лимит запросов|too many requests|rate limit/i;
/**
 * A throttled request backs off at least this long when the server gives no Retry-After (full jitter
 * alone may pick ~0 ms, which only feeds the limiter); never longer than `retryMaxMs`.
 */
const RATE_LIMIT_FLOOR_MS = 1000;

export function createTransport(options: TransportOptions) {
  const random = options.random ?? Math.random;
  const maxAttempts = 1 + Math.max(0, Math.floor(options.retries));

  return async function yclientsFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const path = options.templateOf(request) ?? url.pathname;
    const retryable = isIdempotent(method, path, url.pathname);
    const callerSignal = request.signal;

    for (let attempt = 1; ; attempt++) {
      try {
        await options.budget.acquire(callerSignal);
      } catch (cause) {
        throw new YclientsNetworkError('aborted', { method, path }, { cause });
      }
      // The Authorization header is already set (middleware/auth.ts); each attempt sends a fresh copy.
      const attemptRequest = request.clone();
      emit(() => options.hooks.onRequest?.({ method, path, attempt }));
      const started = Date.now();
      const outcome = await sendOnce(attemptRequest, { method, path }, callerSignal);
      const ms = Date.now() - started;
      emit(() => options.hooks.onResponse?.({ method, path, status: outcome.status, ms, attempt }));
      if (!(outcome.error instanceof Error)) return outcome.response!;

      const error = outcome.error;
      if (!retryable || !isTransient(error) || attempt >= maxAttempts) throw error;
      const delayMs = backoff(error, attempt);
      emit(() =>
        options.hooks.onRetry?.({
          method,
          path,
          status: outcome.status,
          ms,
          attempt,
          delayMs,
          reason: codeOf(error),
        }),
      );
      try {
        await sleep(delayMs, callerSignal);
      } catch (cause) {
        throw new YclientsNetworkError('aborted', { method, path }, { cause });
      }
    }
  };

  async function sendOnce(
    request: Request,
    info: { method: string; path: string },
    callerSignal: AbortSignal,
  ): Promise<{ status: number; response?: Response; error?: Error }> {
    // A timer of our own rather than AbortSignal.timeout(): it is cleared as soon as the body is
    // read (the timeout covers reading it), and fake timers in tests control it.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('timeout')), options.timeoutMs);
    const signal = AbortSignal.any([callerSignal, timeout.signal]);
    let status = 0;
    try {
      // Redirects are not followed: a token is not sent wherever an answer points (README, Security).
      const response = await options.fetch(request, { signal, redirect: 'manual' });
      status = response.status;
      const text = await readLimited(response, options.maxResponseBytes, signal);
      if (text === null) {
        const error = new YclientsNetworkError('response_too_large', {
          ...info,
          limitBytes: options.maxResponseBytes,
          detail: 'limit maxResponseBytes',
        });
        return { status, error };
      }
      return { status, ...classify(response, text, info) };
    } catch (cause) {
      if (callerSignal.aborted)
        return { status, error: new YclientsNetworkError('aborted', info, { cause }) };
      if (timeout.signal.aborted) {
        return {
          status,
          error: new YclientsNetworkError(
            'timeout',
            { ...info, detail: `${options.timeoutMs} ms` },
            { cause },
          ),
        };
      }
      return {
        status,
        error: new YclientsNetworkError('network', { ...info, detail: causeText(cause) }, { cause }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  function backoff(error: Error, attempt: number): number {
    if (error instanceof YclientsRateLimitError && error.retryAfterMs !== undefined) {
      return Math.min(error.retryAfterMs, options.retryAfterMaxMs);
    }
    const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (attempt - 1));
    const jitter = Math.floor(random() * ceiling);
    return error instanceof YclientsRateLimitError
      ? Math.max(Math.min(RATE_LIMIT_FLOOR_MS, options.retryMaxMs), jitter)
      : jitter;
  }
}

function isIdempotent(method: string, template: string, pathname: string): boolean {
  if (method !== 'POST' && method !== 'PATCH') return true;
  return READ_ONLY_POSTS.includes(template) || READ_ONLY_POST_PATHS.some((re) => re.test(pathname));
}

/**
 * The body as text, or null when it is larger than `limit` bytes: refused by its `Content-Length`
 * before reading, else counted while it streams and cancelled as soon as the count passes the limit,
 * so at most `limit` bytes plus one chunk are ever held. Bytes are counted after any content decoding,
 * which is what the heap holds.
 */
async function readLimited(response: Response, limit: number, signal: AbortSignal): Promise<string | null> {
  const body = response.body;
  if (Number(response.headers.get('Content-Length')) > limit) {
    void body?.cancel().catch(() => {});
    return null;
  }
  if (!body) return '';
  const reader = body.getReader();
  // A body that stalls must still end at the timeout or the caller's abort: cancelling the reader
  // ends a pending read, which then looks like the end of the body, hence the checks of `signal`.
  const stop = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    const decoder = new TextDecoder();
    const parts: string[] = [];
    let bytes = 0;
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > limit) {
        void reader.cancel().catch(() => {});
        return null;
      }
      parts.push(decoder.decode(value, { stream: true }));
    }
    signal.throwIfAborted();
    parts.push(decoder.decode());
    return parts.join('');
  } catch (error) {
    void reader.cancel().catch(() => {});
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** The answer as a Response (body re-attached) or a typed error. */
function classify(
  response: Response,
  text: string,
  info: { method: string; path: string },
): { response?: Response; error?: Error } {
  const { status } = response;
  let body: unknown;
  let parsed = true;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      parsed = false;
    }
  }
  const ok = status >= 200 && status < 300;
  if (ok && !parsed) {
    return {
      error: new YclientsNetworkError('invalid_json', {
        ...info,
        detail: `HTTP ${status}, ${text.length} bytes`,
      }),
    };
  }
  const envelope =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const details: ApiErrorDetails = { ...info, status, ...messagesOf(envelope) };
  if (status === 429) {
    return {
      error: new YclientsRateLimitError({
        ...details,
        retryAfterMs: retryAfterMs(response.headers.get('Retry-After')),
      }),
    };
  }
  if (ok) {
    if (envelope.success === false) {
      if (details.apiMessage && THROTTLE_MESSAGE.test(details.apiMessage)) {
        return {
          error: new YclientsRateLimitError({
            ...details,
            retryAfterMs: retryAfterMs(response.headers.get('Retry-After')),
          }),
        };
      }
      return { error: new YclientsApiError(details) };
    }
    // Newer endpoints fail with `{errors:{code,message}, meta}` and no success/data keys.
    if (envelope.errors !== undefined && !('success' in envelope) && !('data' in envelope)) {
      const code = (envelope.errors as { code?: unknown })?.code;
      const errorStatus = typeof code === 'number' && code >= 400 ? code : status;
      const err = { ...details, status: errorStatus };
      return {
        error:
          errorStatus === 401 || errorStatus === 403 ? new YclientsAuthError(err) : new YclientsApiError(err),
      };
    }
    const noBody = status === 204 || status === 205 || text === '';
    return {
      response: new Response(noBody ? null : text, {
        status,
        statusText: response.statusText,
        headers: response.headers,
      }),
    };
  }
  if (status === 401 || status === 402 || status === 403) return { error: new YclientsAuthError(details) };
  if (status >= 300 && status < 400) {
    return {
      error: new YclientsApiError({
        ...details,
        apiMessage: `redirected to ${hostOf(response.headers.get('Location'))}; redirects are not followed (check the base URL)`,
      }),
    };
  }
  return { error: new YclientsApiError(details) };
}

/** The host a Location header names (never its path or query, which may carry anything). */
function hostOf(location: string | null): string {
  if (!location) return 'nowhere';
  try {
    return new URL(location, 'http://same-host.invalid').host.replace('same-host.invalid', 'the same host');
  } catch {
    return 'an unreadable location';
  }
}

function messagesOf(envelope: Record<string, unknown>): { apiMessage?: string; apiErrors?: unknown } {
  const meta =
    envelope.meta && typeof envelope.meta === 'object' && !Array.isArray(envelope.meta)
      ? (envelope.meta as Record<string, unknown>)
      : {};
  const errors =
    envelope.errors && typeof envelope.errors === 'object'
      ? (envelope.errors as Record<string, unknown>)
      : {};
  const message =
    typeof meta.message === 'string'
      ? meta.message
      : typeof errors.message === 'string'
        ? errors.message
        : undefined;
  const out: { apiMessage?: string; apiErrors?: unknown } = {};
  if (message !== undefined) out.apiMessage = maskPhones(message);
  if (meta.errors !== undefined) out.apiErrors = maskPhonesDeep(meta.errors);
  return out;
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function codeOf(error: Error): string {
  return (error as { code?: string }).code ?? 'unknown';
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message}: ${inner.message}` : cause.message;
  }
  return String(cause);
}

/** Hooks are for logging; a failing hook must not fail the request it reports on. */
function emit(call: () => void): void {
  try {
    call();
  } catch {
    // ignored on purpose (see above)
  }
}
