/** What the simulator saw: tests count requests instead of timing them. */
export interface LoggedRequest {
  method: string;
  /** the path as requested, without the `/api/v1` base */
  path: string;
  /** the route template, e.g. `/records/{company_id}`; undefined for unknown routes */
  template: string | undefined;
  query: Record<string, string>;
  body: unknown;
  /** HTTP status; 0 when no answer was given (hang, dropped connection) */
  status: number;
  outcome: 'response' | 'hang' | 'drop' | 'truncated' | 'throttled';
  /** the simulator clock at the time */
  at: number;
}

export interface RequestFilter {
  /** a template (`/records/{company_id}`), a concrete path, or a RegExp tested on the path */
  path?: string | RegExp;
  method?: string;
  status?: number;
  /** the value every given query key must have */
  query?: Record<string, string>;
}

export function matchesRequest(r: LoggedRequest, f: RequestFilter): boolean {
  if (f.method && r.method !== f.method.toUpperCase()) return false;
  if (f.status !== undefined && r.status !== f.status) return false;
  if (f.path !== undefined) {
    if (f.path instanceof RegExp ? !f.path.test(r.path) : f.path !== r.template && f.path !== r.path)
      return false;
  }
  if (f.query) for (const [k, v] of Object.entries(f.query)) if (r.query[k] !== v) return false;
  return true;
}
