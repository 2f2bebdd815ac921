/**
 * Typed errors. Messages carry the method, the path template (or the URL path, never the query) and
 * YClients' own message with phone-like digit runs masked: no token, password, request body or client
 * phone ever reaches a message.
 */

export type YclientsErrorCode =
  | 'auth'
  | 'two_factor_required'
  | 'two_factor_refused'
  | 'rate_limited'
  | 'api'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'invalid_json'
  | 'response_too_large'
  | 'page_repeated'
  | 'invalid_row';

/** Where a failed request went: enough to find it in a log, nothing secret. */
export interface RequestInfo {
  method: string;
  path: string;
}

export class YclientsError extends Error {
  readonly code: YclientsErrorCode;
  constructor(code: YclientsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'YclientsError';
    this.code = code;
  }
}

export interface ApiErrorDetails extends RequestInfo {
  status: number;
  /** YClients' `meta.message` (or `errors.message`), phone numbers masked. */
  apiMessage?: string;
  /** YClients' `meta.errors` (validation details), phone numbers masked. */
  apiErrors?: unknown;
}

/** YClients answered with a failure (4xx/5xx, or 200 with `success:false`). */
export class YclientsApiError extends YclientsError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly apiMessage: string | undefined;
  readonly apiErrors: unknown;
  constructor(details: ApiErrorDetails, code: YclientsErrorCode = 'api') {
    super(code, describe(details));
    this.name = 'YclientsApiError';
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.apiMessage = details.apiMessage;
    this.apiErrors = details.apiErrors;
  }
}

/**
 * 401/402/403 (token, licence, rights), a refused login (`auth`), a login that needs a 2FA code
 * (`two_factor_required`, from `authenticate()`), or a 2FA code YClients refused (`two_factor_refused`).
 */
export class YclientsAuthError extends YclientsApiError {
  constructor(
    details: ApiErrorDetails,
    code: 'auth' | 'two_factor_required' | 'two_factor_refused' = 'auth',
  ) {
    super(details, code);
    this.name = 'YclientsAuthError';
  }
}

/** Throttled: HTTP 429, or HTTP 200 with `success:false` and «Превышен лимит запросов». */
export class YclientsRateLimitError extends YclientsApiError {
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(details: ApiErrorDetails & { retryAfterMs?: number }) {
    super(details, 'rate_limited');
    this.name = 'YclientsRateLimitError';
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * No usable answer: connection failure, timeout, caller's abort, truncated or invalid JSON, or a body
 * larger than `maxResponseBytes` (refused unread, so it cannot exhaust the heap).
 */
export class YclientsNetworkError extends YclientsError {
  readonly method: string;
  readonly path: string;
  constructor(
    code: 'network' | 'timeout' | 'aborted' | 'invalid_json' | 'response_too_large',
    info: RequestInfo & { detail?: string; limitBytes?: number },
    options?: { cause?: unknown },
  ) {
    const what = {
      network: 'network error',
      timeout: 'timed out',
      aborted: 'aborted',
      invalid_json: 'invalid JSON',
      response_too_large: `answer larger than ${bytesText(info.limitBytes ?? 0)}`,
    }[code];
    super(
      code,
      `${info.method} ${info.path}: ${what}${info.detail ? ` (${maskPhones(info.detail)})` : ''}`,
      options,
    );
    this.name = 'YclientsNetworkError';
    this.method = info.method;
    this.path = info.path;
  }
}

/**
 * Worth trying again: throttling, 5xx, network failures, timeouts, bodies cut short and answers over
 * the size limit (like any other unusable answer). A caller's own abort is not transient; neither is
 * any 4xx other than 429.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof YclientsRateLimitError) return true;
  if (error instanceof YclientsNetworkError) return error.code !== 'aborted';
  if (error instanceof YclientsApiError) return error.status >= 500;
  return false;
}

/** Digit runs that may be a phone number (10+ digits with the usual separators) become `***`. */
export function maskPhones(text: string): string {
  return text.replace(/\+?\d(?:[\s()\-.]*\d){9,}/g, '***');
}

/** A deep copy of an error detail with phone-like strings and numbers masked. */
export function maskPhonesDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskPhones(value);
  if (typeof value === 'number') return maskPhones(String(value)) === String(value) ? value : '***';
  if (Array.isArray(value)) return value.map(maskPhonesDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPhonesDeep(v)]));
  }
  return value;
}

/** `16 MiB`, `64 KiB` or `1000 bytes`: a limit as people set it. */
function bytesText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function describe(d: ApiErrorDetails): string {
  return `${d.method} ${d.path} → ${d.status}${d.apiMessage ? `: ${d.apiMessage}` : ''}`;
}
