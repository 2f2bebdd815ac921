/** Upstream trouble on demand: the next N matching requests fail in a chosen way. */
export type FaultKind = 'status' | 'rateLimit' | 'hang' | 'drop' | 'truncate' | 'successFalse';

export interface FaultMatch {
  /** a RegExp tested on the path (e.g. /records/), or a string equal to the route template
   * (`/records/{company_id}`) or contained in the path */
  path?: RegExp | string;
  /** only requests with this method */
  method?: string;
}

export interface Fault extends FaultMatch {
  kind: FaultKind;
  remaining: number;
  status?: number;
  message?: string;
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

  add(fault: Fault): void {
    if (fault.remaining > 0) this.queue.push(fault);
  }

  /** Takes the first pending fault that matches the request, if any. */
  take(method: string, path: string, template: string | undefined): Fault | undefined {
    const fault = this.queue.find((f) => matches(f, method, path, template));
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

function matches(f: FaultMatch, method: string, path: string, template: string | undefined): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.path === undefined) return true;
  if (f.path instanceof RegExp) return f.path.test(path);
  return f.path === template || path.includes(f.path);
}
