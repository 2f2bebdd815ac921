/**
 * Wire strings PostgreSQL cannot store: `text` and `jsonb` refuse U+0000, and `jsonb` refuses a lone
 * UTF-16 surrogate (JSON.parse accepts `"\ud800"`, so YClients can hand us one). Every row passes
 * through here before it is normalised, so what the sync stores (columns and `raw`) never holds either.
 */

/** What `sanitiseWire` changed, counted in characters. */
export interface Repairs {
  nulDropped: number;
  surrogatesReplaced: number;
}

export const noRepairs = (): Repairs => ({ nulDropped: 0, surrogatesReplaced: 0 });

// Code-unit regexes (no `u` flag) on purpose: with `u` a lone surrogate could not be matched alone.
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what we look for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const UNSTORABLE_ALL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A copy of a parsed JSON value in which every string, object keys included, has U+0000 removed and
 * every lone surrogate replaced by U+FFFD; `repairs` counts each. Runs on every row of every page, so
 * clean strings are returned as they are and only the objects and arrays on the way to a repaired
 * string are copied: a clean value comes back as the same reference.
 */
export function sanitiseWire(value: unknown, repairs: Repairs): unknown {
  if (typeof value === 'string') return sanitiseString(value, repairs);
  if (Array.isArray(value)) return sanitiseArray(value, repairs);
  if (value !== null && typeof value === 'object') return sanitiseObject(value as object, repairs);
  return value;
}

function sanitiseString(text: string, repairs: Repairs): string {
  if (!UNSTORABLE.test(text)) return text;
  return text.replace(UNSTORABLE_ALL, (found) => {
    if (found === '\u0000') {
      repairs.nulDropped++;
      return '';
    }
    repairs.surrogatesReplaced++;
    return '\uFFFD';
  });
}

function sanitiseArray(items: unknown[], repairs: Repairs): unknown[] {
  let copy: unknown[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const clean = sanitiseWire(item, repairs);
    if (copy === null && clean !== item) copy = items.slice(0, i);
    copy?.push(clean);
  }
  return copy ?? items;
}

function sanitiseObject(object: object, repairs: Repairs): object {
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record);
  let copy: [string, unknown][] | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const cleanKey = sanitiseString(key, repairs);
    const clean = sanitiseWire(item, repairs);
    if (copy === null && (cleanKey !== key || clean !== item)) {
      copy = keys.slice(0, i).map((k): [string, unknown] => [k, record[k]]);
    }
    copy?.push([cleanKey, clean]);
  }
  // fromEntries defines properties, so a wire key `__proto__` stays a key instead of a prototype.
  return copy ? Object.fromEntries(copy) : object;
}

/** The first `max` UTF-16 units of a text, one fewer rather than half a surrogate pair (it is stored). */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
