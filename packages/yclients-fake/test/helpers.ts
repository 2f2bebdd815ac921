import { type CreateFakeOptions, createYclientsFake, type YclientsFake } from '../src/index';

export const NOW = '2025-06-01T12:00:00Z';
export const AUTH = 'Bearer partner-token, User user-token';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected loosely
  body: any;
  headers: Headers;
}

/** A fake with limits off and a frozen clock unless the test says otherwise. */
export function makeFake(options: CreateFakeOptions = {}): YclientsFake {
  return createYclientsFake({ now: NOW, rateLimit: false, searchRateLimit: false, ...options });
}

export async function call(
  fake: YclientsFake,
  method: string,
  path: string,
  options: { query?: Record<string, string | number>; body?: unknown; auth?: string | null } = {},
): Promise<Answer> {
  const url = new URL(fake.baseUrl + path);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {
    Accept: 'application/vnd.yclients.v2+json',
    'Content-Type': 'application/json',
  };
  const auth = options.auth === undefined ? AUTH : options.auth;
  if (auth !== null) headers.Authorization = auth;
  const response = await fake.fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export const get = (fake: YclientsFake, path: string, query?: Record<string, string | number>) =>
  call(fake, 'GET', path, { query });

/** Every page of a `{page,total_count}` list. */
export async function allPages(
  fake: YclientsFake,
  path: string,
  count: number,
  query: Record<string, string | number> = {},
  // biome-ignore lint/suspicious/noExplicitAny: rows are wire rows
): Promise<{ rows: any[]; pages: number; totals: number[] }> {
  // biome-ignore lint/suspicious/noExplicitAny: rows are wire rows
  const rows: any[] = [];
  const totals: number[] = [];
  for (let page = 1; ; page++) {
    const r = await get(fake, path, { ...query, page, count });
    if (r.status !== 200) throw new Error(`${path} page ${page}: ${r.status} ${JSON.stringify(r.body)}`);
    rows.push(...r.body.data);
    if (r.body.meta && 'total_count' in r.body.meta) totals.push(r.body.meta.total_count);
    if (r.body.data.length === 0 || (totals.length > 0 && page * count >= totals.at(-1)!))
      return { rows, pages: page, totals };
  }
}
