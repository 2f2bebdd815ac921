/** Upstream trouble on demand: the next N matching requests fail in a chosen way. */
export const FAULT_KINDS = [
  'status',
  'rateLimit',
  'hang',
  'drop',
  'truncate',
  'successFalse',
  'echo',
  'empty',
  'short',
  'poison',
  'huge',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How `poisonNext` spoils one row of a list answer (see the README for each). */
export const POISON_KINDS = [
  'nul',
  'surrogate',
  'id-zero',
  'id-negative',
  'id-text',
  'id-missing',
  'null-row',
  'zero-datetime',
  'huge-string',
] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

export interface FaultMatch {
  /** a RegExp tested on the path (e.g. /records/), or a string equal to the route template
   * (`/records/{company_id}`) or contained in the path */
  path?: RegExp | string;
  /** only requests with this method */
  method?: string;
  /** only requests whose URL query has exactly these values (e.g. `{ page: '2' }`); a default the
   * request leaves out (page 1) does not count as sent */
  query?: Record<string, string>;
}

export interface Fault extends FaultMatch {
  kind: FaultKind;
  remaining: number;
  status?: number;
  message?: string;
  /** short: rows kept (default half, rounded down) */
  keep?: number;
  /** short: the total reported instead of the real one minus the rows dropped */
  totalCount?: number;
  poison?: PoisonKind;
  /** poison: which row of `data` (default 0) */
  index?: number;
  /** poison `huge-string`: characters in the string (default 40 MiB) */
  size?: number;
  /** huge: the size of the answer */
  bytes?: number;
  /** huge: no Content-Length, the body is sent chunked */
  chunked?: boolean;
}

export class Faults {
  private queue: Fault[] = [];

  /** The next `n` matching requests answer HTTP `status` (default 503). */
  failNext(n: number, options: FaultMatch & { status?: number; message?: string } = {}): void {
    this.add({ ...options, kind: 'status', remaining: n, status: options.status ?? 503 });
  }
  /** The next `n` matching requests are throttled (429 with the YClients body). */
  rateLimitNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'rateLimit', remaining: n });
  }
  /** The next `n` matching requests never get an answer (until the client gives up). */
  hangNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'hang', remaining: n });
  }
  /** The next `n` matching requests have their connection destroyed. */
  dropConnectionNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'drop', remaining: n });
  }
  /** The next `n` matching requests get their real answer cut in the middle of the JSON. */
  truncateNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'truncate', remaining: n });
  }
  /** The next `n` matching requests answer HTTP 200 with `success: false` and this message. */
  successFalseNext(n: number, message = 'Произошла ошибка', options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'successFalse', remaining: n, message });
  }
  /**
   * The next `n` matching requests answer HTTP 400 with a message that echoes the request's
   * `Authorization` header and body, as some error texts upstream do: what the client stores or prints
   * of an error must not leak them.
   */
  echoNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'echo', remaining: n });
  }
  /** The next `n` matching list requests succeed with no rows (and a total of 0 where there is one). */
  emptyNext(n: number, options: FaultMatch = {}): void {
    this.add({ ...options, kind: 'empty', remaining: n });
  }
  /** The next `n` matching list requests keep only their first `keep` rows (default half); the total
   * becomes `totalCount`, or drops by the rows cut. */
  shortNext(n: number, options: FaultMatch & { keep?: number; totalCount?: number } = {}): void {
    this.add({ ...options, kind: 'short', remaining: n });
  }
  /** The next `n` matching list requests carry row `index` (default 0) spoiled the `poison` way. */
  poisonNext(n: number, options: FaultMatch & { poison: PoisonKind; index?: number; size?: number }): void {
    this.add({ ...options, kind: 'poison', remaining: n });
  }
  /** The next `n` matching list requests answer valid JSON of about `bytes` bytes (row 0's text padded),
   * with a Content-Length unless `chunked`. */
  hugeNext(n: number, options: FaultMatch & { bytes: number; chunked?: boolean }): void {
    this.add({ ...options, kind: 'huge', remaining: n });
  }

  add(fault: Fault): void {
    if (fault.remaining > 0) this.queue.push(fault);
  }

  /** Takes the first pending fault that matches the request, if any. */
  take(
    method: string,
    path: string,
    template: string | undefined,
    query: URLSearchParams,
  ): Fault | undefined {
    const fault = this.queue.find((f) => matches(f, method, path, template, query));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.queue.splice(this.queue.indexOf(fault), 1);
    return fault;
  }

  pending(): number {
    return this.queue.reduce((s, f) => s + f.remaining, 0);
  }

  clear(): void {
    this.queue = [];
  }
}

function matches(
  f: FaultMatch,
  method: string,
  path: string,
  template: string | undefined,
  query: URLSearchParams,
): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.query && Object.entries(f.query).some(([k, v]) => query.get(k) !== v)) return false;
  if (f.path === undefined) return true;
  if (f.path instanceof RegExp) return f.path.test(path);
  return f.path === template || path.includes(f.path);
}
