import type { EntityApi } from './data/company';
import { FAULT_KINDS, type Fault, type FaultKind, POISON_KINDS, type PoisonKind } from './faults';
import type { FakeResponse } from './http/types';
import { matchesRequest } from './request-log';
import type { Simulator } from './simulator';

/**
 * `/__control/...`: the simulator driven over HTTP, for a sync running in another process
 * (the demo, the benchmarks, end-to-end tests that spawn the CLI). JSON in, JSON out.
 */
export const CONTROL_PREFIX = '/__control';

const ENTITIES: Record<string, keyof ReturnType<Simulator['company']>['api']> = {
  clients: 'clients',
  records: 'records',
  transactions: 'transactions',
  staff: 'staff',
  services: 'services',
  labels: 'labels',
  positions: 'positions',
  service_categories: 'serviceCategories',
  serviceCategories: 'serviceCategories',
  accounts: 'accounts',
};

function json(status: number, body: unknown): FakeResponse {
  return { kind: 'json', status, body };
}

/** `"/records/"` as a string matches by substring; `"/^\\/records/"` (slashes around) is a RegExp. */
function pathPattern(value: unknown): RegExp | string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\/(.+)\/([a-z]*)$/.exec(value);
  return m ? new RegExp(m[1]!, m[2]) : value;
}

const num = (value: unknown) => (value === undefined ? undefined : Number(value));

/** A fault from its JSON form (the `Faults` method options, plus `kind` and `n`), or why not. */
function faultOf(b: Record<string, unknown>): Fault | string {
  const kind = b.kind as FaultKind;
  if (!FAULT_KINDS.includes(kind)) return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  const poison = b.poison as PoisonKind | undefined;
  if (kind === 'poison' && !POISON_KINDS.includes(poison!))
    return `poison must be one of ${POISON_KINDS.join(', ')}`;
  if (kind === 'huge' && !(Number(b.bytes) >= 0)) return 'huge needs bytes';
  const query = b.query && typeof b.query === 'object' ? (b.query as Record<string, unknown>) : undefined;
  return {
    kind,
    remaining: Number(b.n ?? 1),
    status: b.status === undefined ? (kind === 'status' ? 503 : undefined) : Number(b.status),
    message: typeof b.message === 'string' ? b.message : undefined,
    path: pathPattern(b.path),
    method: typeof b.method === 'string' ? b.method : undefined,
    query: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    keep: num(b.keep),
    totalCount: num(b.totalCount),
    poison,
    index: num(b.index),
    size: num(b.size),
    bytes: num(b.bytes),
    chunked: b.chunked === true,
  };
}

export function handleControl(sim: Simulator, method: string, url: URL, body: unknown): FakeResponse {
  const parts = url.pathname.slice(CONTROL_PREFIX.length).split('/').filter(Boolean);
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  try {
    if (parts[0] === 'reset' && method === 'POST') {
      sim.reset();
      return json(200, { ok: true });
    }
    if (parts[0] === 'now') {
      if (method === 'POST') sim.clock.set(b.now as string);
      return json(200, { now: new Date(sim.clock.now()).toISOString() });
    }
    if (parts[0] === 'requests') {
      if (method === 'DELETE') {
        sim.log.length = 0;
        return json(200, { ok: true });
      }
      const q = url.searchParams;
      const filter = {
        path: q.get('path') ?? undefined,
        method: q.get('method') ?? undefined,
        status: q.has('status') ? Number(q.get('status')) : undefined,
      };
      const requests = sim.log.filter((r) => matchesRequest(r, filter));
      return json(200, { count: requests.length, requests });
    }
    if (parts[0] === 'faults') {
      if (method === 'DELETE') {
        sim.faults.clear();
        return json(200, { ok: true });
      }
      const fault = faultOf(b);
      if (typeof fault === 'string') return json(400, { error: fault });
      sim.faults.add(fault);
      return json(200, { pending: sim.faults.pending() });
    }
    if (parts[0] === 'companies' && parts[1] && parts[2]) {
      const entity = ENTITIES[parts[2]];
      if (!entity)
        return json(404, { error: `unknown entity ${parts[2]}; one of ${Object.keys(ENTITIES).join(', ')}` });
      const api: EntityApi = sim.company(Number(parts[1])).api[entity];
      const id = parts[3] === undefined ? undefined : Number(parts[3]);
      if (id === undefined && method === 'GET') {
        const limit = Number(url.searchParams.get('limit') ?? Number.POSITIVE_INFINITY);
        const rows = [];
        for (const row of api.list({ withDeleted: url.searchParams.get('with_deleted') === '1' })) {
          if (rows.length >= limit) break;
          rows.push(row);
        }
        return json(200, { count: api.count(), rows });
      }
      if (id === undefined && method === 'POST') return json(201, api.insert(b));
      if (id === undefined && method === 'DELETE') {
        // a mass delete in one go, so that no API request sees it half done
        if (!Array.isArray(b.ids)) return json(400, { error: 'DELETE of a list needs {ids: [...]}' });
        return json(200, { deleted: b.ids.filter((rowId) => api.delete(Number(rowId))).length });
      }
      if (id !== undefined && method === 'GET') {
        const row = api.get(id);
        return row ? json(200, row) : json(404, { error: 'not found' });
      }
      if (id !== undefined && (method === 'PATCH' || method === 'PUT')) return json(200, api.update(id, b));
      if (id !== undefined && method === 'DELETE') return json(200, { deleted: api.delete(id) });
    }
    return json(404, { error: `unknown control route ${method} ${url.pathname}` });
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
