import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { YclientsError } from '../src';
import { BASE, client, ok, server, useServer } from './helpers';

useServer();

/** A list of `total` rows served in pages of `count`; `clamp` caps the page size like the server may. */
function serveList(path: string, total: number, options: { meta?: 'total' | 'none'; clamp?: number } = {}) {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get(`${BASE}${path}`, ({ request }) => {
      const q = new URL(request.url).searchParams;
      requests.push(q);
      const page = Number(q.get('page'));
      const count = Math.min(Number(q.get('count')), options.clamp ?? Number.POSITIVE_INFINITY);
      const rows = Array.from({ length: total }, (_, i) => ({ id: i + 1 })).slice(
        (page - 1) * count,
        page * count,
      );
      return ok(rows, options.meta === 'none' ? [] : { page, total_count: total });
    }),
  );
  return requests;
}

describe('yc.pages', () => {
  it('records: stops at page*count >= total_count', async () => {
    const requests = serveList('/records/:id', 25);
    const pages = [];
    for await (const p of client().pages(
      '/records/{company_id}',
      { params: { path: { company_id: 42 } } },
      { pageSize: 10 },
    )) {
      pages.push({ page: p.page, n: p.rows.length, total: p.totalCount });
    }
    expect(pages).toEqual([
      { page: 1, n: 10, total: 25 },
      { page: 2, n: 10, total: 25 },
      { page: 3, n: 5, total: 25 },
    ]);
    expect(requests).toHaveLength(3);
  });

  it('an exact multiple needs no extra request', async () => {
    const requests = serveList('/clients/:id', 20);
    let rows = 0;
    for await (const p of client().pages(
      '/clients/{company_id}',
      { params: { path: { company_id: 42 } } },
      { pageSize: 10 },
    ))
      rows += p.rows.length;
    expect(rows).toBe(20);
    expect(requests).toHaveLength(2);
  });

  it('transactions: a short page is not the end (server clamps count); stops at an EMPTY page', async () => {
    const requests = serveList('/transactions/:id', 45, { meta: 'none', clamp: 20 });
    const ids: number[] = [];
    for await (const p of client().pages(
      '/transactions/{company_id}',
      { params: { path: { company_id: 42 }, query: { start_date: '2024-01-01', end_date: '2024-01-31' } } },
      { pageSize: 200, stop: 'empty' },
    )) {
      ids.push(...p.rows.map((r) => Number(r.id)));
    }
    expect(ids).toHaveLength(45);
    expect(new Set(ids).size).toBe(45);
    expect(requests).toHaveLength(4);
    expect(requests[0]!.get('start_date')).toBe('2024-01-01');
  });

  it('auto stop without a total pages to the empty page too', async () => {
    const requests = serveList('/transactions/:id', 15, { meta: 'none' });
    let n = 0;
    for await (const p of client().pages(
      '/transactions/{company_id}',
      { params: { path: { company_id: 42 } } },
      { pageSize: 10 },
    ))
      n += p.rows.length;
    expect(n).toBe(15);
    expect(requests).toHaveLength(3);
  });

  it('early exit with break sends no further request', async () => {
    const requests = serveList('/records/:id', 1000);
    for await (const p of client().pages(
      '/records/{company_id}',
      { params: { path: { company_id: 42 } } },
      { pageSize: 10 },
    )) {
      if (p.page === 2) break;
    }
    expect(requests).toHaveLength(2);
  });

  it('a page that repeats the previous one throws instead of looping', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/clients/:id`, () => {
        calls += 1;
        return ok([{ id: 1 }, { id: 2 }], { page: 1, total_count: 100 });
      }),
    );
    const run = async () => {
      for await (const _ of client().pages(
        '/clients/{company_id}',
        { params: { path: { company_id: 42 } } },
        { pageSize: 2 },
      )) {
        // consume
      }
    };
    const error = await run().catch((e) => e);
    expect(error).toBeInstanceOf(YclientsError);
    expect(error.code).toBe('page_repeated');
    expect(calls).toBe(2);
  });

  it('custom page and size parameter names, custom stop rule', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${BASE}/records/:id`, ({ request }) => {
        const q = new URL(request.url).searchParams;
        seen.push(`${q.get('p')}/${q.get('size')}`);
        return ok([{ id: Number(q.get('p')) }], []);
      }),
    );
    for await (const _ of client().pages(
      '/records/{company_id}',
      { params: { path: { company_id: 42 } } },
      {
        pageParam: 'p',
        sizeParam: 'size',
        pageSize: 1,
        startPage: 3,
        stop: (page) => page.page >= 4,
      },
    )) {
      // consume
    }
    expect(seen).toEqual(['3/1', '4/1']);
  });

  it('labels answered as a bare array still page', async () => {
    server.use(http.get(`${BASE}/labels/:id/:entity`, () => HttpResponse.json([])));
    const pages = [];
    for await (const p of client().pages(
      '/labels/{company_id}/{entity}',
      { params: { path: { company_id: 1, entity: 1 } } },
      { pageSize: 50 },
    ))
      pages.push(p);
    expect(pages).toEqual([{ page: 1, rows: [] }]);
  });
});
