/**
 * The last line of defence before anything is printed: known secrets (tokens, password, the password
 * inside DATABASE_URL) and anything shaped like a phone number are masked. Modules should not log
 * such values in the first place; this catches what slips through (e.g. an upstream error text).
 */
/**
 * A phone: 10–11 digits, optionally `+`, grouped as the API writes them. An id can have as many digits,
 * so a number a log line names as an id (`"id":…`, `"expectedId":…`, `record 12345678901`, the id lists
 * `"wouldDelete":[…]` and `"pending":[…]` of a refresh's verdict) is left alone: ids are what make an
 * error traceable (design §9), phones are what must not leak.
 */
const PHONE =
  /(?<![\w.-])(?<!(?:(?:(?:\b|_)ids?|Ids?|wouldDelete|pending)"?\s*[:=]\s*\[?(?:\d+,\s*)*)|(?:\b(?:id|record|client|transaction|staff|service|company|position|account|category)\s+#?))\+?[78]?[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?![\w.-])/g;
const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi;
const AUTH_HEADER = /\b(Bearer|User)\s+[^\s,"']+/g;

/**
 * A secret as it may appear in a text: as is, JSON-escaped (a log line, an echoed request body: a
 * password holding `"` or `\\`), and URL-encoded (a query string, a connection string).
 */
function formsOf(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const sorted = [...new Set(secrets.flatMap(formsOf))]
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of sorted) out = out.split(secret).join('***');
    return out.replace(URL_PASSWORD, '$1***@').replace(AUTH_HEADER, '$1 ***').replace(PHONE, '[phone]');
  };
}
