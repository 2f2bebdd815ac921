/**
 * Secrets never leave the SDK in hook payloads or error messages: the partner and user tokens of an
 * `Authorization` header, a `password` or `user_token` in a JSON body.
 */
export function redactAuthorization(value: string): string {
  return value.replace(/(Bearer|User)\s+[^\s,]+/gi, '$1 ***');
}

const SECRET_KEYS = /^(password|user_token|partner_token|token|authorization)$/i;

/** A deep copy of a JSON-like value with every secret field replaced by `***`. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '***' : redactSecrets(v)]),
    ) as T;
  }
  return value;
}
