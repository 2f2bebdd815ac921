import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { isLastPage, iteratePages, PAGE_SIZES, type Page, YclientsError } from '../src';
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

  it('start page, custom stop rule, filters kept beside page and count; `last` on the final page', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${BASE}/records/:id`, ({ request }) => {
        const q = new URL(request.url).searchParams;
        seen.push(`${q.get('page')}/${q.get('count')}/${q.get('staff_id')}`);
        return ok([{ id: Number(q.get('page')) }], []);
      }),
    );
    const last: boolean[] = [];
    for await (const p of client().pages(
      '/records/{company_id}',
      { params: { path: { company_id: 42 }, query: { staff_id: 7 } } },
      { pageSize: 1, startPage: 3, stop: (page) => page.page >= 4 },
    )) {
      last.push(p.last);
    }
    expect(seen).toEqual(['3/1/7', '4/1/7']);
    expect(last).toEqual([false, true]);
  });

  it("the page size defaults to the list's PAGE_SIZES entry", async () => {
    const requests = serveList('/clients/:id', 3);
    for await (const _ of client().pages('/clients/{company_id}', { params: { path: { company_id: 42 } } })) {
      // consume
    }
    expect(requests.map((q) => q.get('count'))).toEqual([String(PAGE_SIZES.clients)]);
  });

  it('a page whose every row was rejected is not the end, and two of them in a row are no repeat', async () => {
    const pages: unknown[][] = [[{ id: 1 }], [{ id: 0 }], [{ id: 0 }], [null, { id: 'x' }], [{ id: 2 }], []];
    const requests: number[] = [];
    server.use(
      http.get(`${BASE}/transactions/:id`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page'));
        requests.push(page);
        return ok(pages[page - 1] ?? [], []);
      }),
    );
    const yc = client();
    const seen: { good: number[]; rejected: number }[] = [];
    for await (const p of iteratePages(
      (page, count) =>
        yc.transactionsPage(42, { page, count, startDate: '2024-05-01', endDate: '2024-05-31' }),
      { label: 'transactions', pageSize: 200 },
    )) {
      seen.push({ good: p.rows.map((r) => r.id), rejected: p.rejected.length });
    }
    expect(seen).toEqual([
      { good: [1], rejected: 0 },
      { good: [], rejected: 1 },
      { good: [], rejected: 1 },
      { good: [], rejected: 2 },
      { good: [2], rejected: 0 },
      { good: [], rejected: 0 },
    ]);
    expect(requests).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('isLastPage counts rejected rows as wire rows', () => {
    const onlyRejected = { page: 1, rows: [], rejected: [{ id: null }] };
    expect(isLastPage(onlyRejected, 10, 'empty')).toBe(false);
    expect(isLastPage(onlyRejected, 10)).toBe(false);
    expect(isLastPage({ ...onlyRejected, totalCount: 30 }, 10)).toBe(false);
    expect(isLastPage({ page: 1, rows: [], rejected: [] }, 10)).toBe(true);
    expect(isLastPage({ page: 1, rows: [] }, 10)).toBe(true);
  });
});

describe('page.last: the end of a list is decided once, by iteratePages', () => {
  /** A fetcher over `rows` ids served `pageSize` at a time, reporting `total` when given. */
  const fetcher =
    (rows: number, options: { total?: number; clamp?: number } = {}) =>
    async (page: number, pageSize: number): Promise<Page<number>> => {
      const size = Math.min(pageSize, options.clamp ?? pageSize);
      const ids = Array.from({ length: rows }, (_, i) => i + 1).slice((page - 1) * size, page * size);
      return { page, rows: ids, ...(options.total === undefined ? {} : { totalCount: options.total }) };
    };
  async function lasts(
    fetchPage: (page: number, size: number) => Promise<Page<number>>,
    stop?: 'total' | 'empty',
  ) {
    const seen: [number, boolean][] = [];
    for await (const p of iteratePages(fetchPage, {
      label: 'test',
      pageSize: 10,
      ...(stop ? { stop } : {}),
    })) {
      seen.push([p.rows.length, p.last]);
    }
    return seen;
  }

  it('with a total: the page reaching it is last', async () => {
    expect(await lasts(fetcher(25, { total: 25 }))).toEqual([
      [10, false],
      [10, false],
      [5, true],
    ]);
    expect(await lasts(fetcher(20, { total: 20 }))).toEqual([
      [10, false],
      [10, true],
    ]);
  });

  it('without a total (or stop: empty) the empty page is last, even after a clamped short page', async () => {
    expect(await lasts(fetcher(15, { clamp: 4 }), 'empty')).toEqual([
      [4, false],
      [4, false],
      [4, false],
      [3, false],
      [0, true],
    ]);
  });

  it('an empty list is one last, empty page', async () => {
    expect(await lasts(fetcher(0, { total: 0 }))).toEqual([[0, true]]);
  });

  it('the yielded page is the fetched page plus `last`; isLastPage gives the same answer', async () => {
    const fetchPage = fetcher(12, { total: 12 });
    for await (const p of iteratePages(fetchPage, { label: 'test', pageSize: 10, stop: 'total' })) {
      const { last, ...page } = p;
      expect(page).toEqual(await fetchPage(p.page, 10));
      expect(last).toBe(isLastPage(page, 10, 'total'));
    }
  });
});

describe('iteratePages with readAhead', () => {
  /** `total` pages of one row whose requests are logged and answered only when the test says so. */
  function list(total: number) {
    const requested: number[] = [];
    const answer = new Map<number, (p: Page<number>) => void>();
    const fail = new Map<number, (e: Error) => void>();
    const fetchPage = (page: number) =>
      new Promise<Page<number>>((resolve, reject) => {
        requested.push(page);
        answer.set(page, resolve);
        fail.set(page, reject);
      });
    const reply = (page: number) => answer.get(page)?.({ page, rows: [page], totalCount: total });
    return { requested, fetchPage, reply, fail };
  }
  const options = { label: 'test', pageSize: 1, stop: 'total', readAhead: true } as const;
  const tick = () => new Promise((r) => setImmediate(r));

  it('requests page n+1 while page n is being handled, and nothing after the last page', async () => {
    const l = list(3);
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const { page } of iteratePages(l.fetchPage, options)) {
        seen.push(page);
        // While the consumer handles page n, page n+1 is already on its way.
        expect(l.requested).toEqual(Array.from({ length: Math.min(page + 1, 3) }, (_, i) => i + 1));
        await tick();
        l.reply(page + 1);
      }
    })();
    l.reply(1);
    await consumer;
    expect(seen).toEqual([1, 2, 3]);
    expect(l.requested).toEqual([1, 2, 3]);
  });

  it('reports `last` the same with read-ahead', async () => {
    const l = list(3);
    const last: boolean[] = [];
    const consumer = (async () => {
      for await (const p of iteratePages(l.fetchPage, options)) {
        last.push(p.last);
        l.reply(p.page + 1);
      }
    })();
    l.reply(1);
    await consumer;
    expect(last).toEqual([false, false, true]);
  });

  it('starts where it is told (a resumed read)', async () => {
    const l = list(5);
    const consumer = (async () => {
      const pages: number[] = [];
      for await (const { page } of iteratePages(l.fetchPage, { ...options, startPage: 4 })) {
        pages.push(page);
        l.reply(page + 1);
      }
      return pages;
    })();
    l.reply(4);
    expect(await consumer).toEqual([4, 5]);
  });

  it('a read-ahead request that fails after the consumer stopped is not an unhandled rejection', async () => {
    const l = list(3);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const consumer = (async () => {
        for await (const _ of iteratePages(l.fetchPage, options)) throw new Error('merge failed');
      })();
      l.reply(1);
      await expect(consumer).rejects.toThrow('merge failed');
      l.fail.get(2)?.(new Error('HTTP 503'));
      await tick();
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a failed page is thrown to the consumer', async () => {
    const l = list(3);
    const consumer = (async () => {
      for await (const { page } of iteratePages(l.fetchPage, options)) {
        if (page === 1) l.fail.get(2)?.(new Error('HTTP 503'));
      }
    })();
    l.reply(1);
    await expect(consumer).rejects.toThrow('HTTP 503');
  });

  it('without readAhead the next page is requested only after the consumer is done with this one', async () => {
    const l = list(2);
    const consumer = (async () => {
      for await (const { page } of iteratePages(l.fetchPage, { ...options, readAhead: false })) {
        expect(l.requested).toEqual(Array.from({ length: page }, (_, i) => i + 1));
        await tick();
        expect(l.requested).toHaveLength(page);
        setImmediate(() => l.reply(page + 1));
      }
    })();
    l.reply(1);
    await consumer;
    expect(l.requested).toEqual([1, 2]);
  });
});

describe('iteratePages with recheck: a list with no total distrusts the answers that would lose rows', () => {
  /**
   * A list of `total` rows in pages of `size`, no total; `bad` maps the n-th request (1-based) to a bad
   * answer: its page cut to that many rows (0: an empty page). Returns the pages requested, in order.
   */
  function list(total: number, size: number, bad: Record<number, number> = {}) {
    const asked: number[] = [];
    const fetch = async (page: number, count: number): Promise<Page<{ id: number }>> => {
      asked.push(page);
      const rows = Array.from({ length: total }, (_, i) => ({ id: i + 1 })).slice(
        (page - 1) * Math.min(count, size),
        page * Math.min(count, size),
      );
      const cut = bad[asked.length];
      return { page, rows: cut === undefined ? rows : rows.slice(0, cut) };
    };
    return { asked, fetch };
  }

  async function read(source: ReturnType<typeof list>, pageSize = 10, readAhead = false) {
    const ids = new Set<number>();
    const seen: { page: number; n: number; last: boolean }[] = [];
    for await (const p of iteratePages(source.fetch, {
      label: 'transactions',
      pageSize,
      stop: 'empty',
      recheck: true,
      readAhead,
    })) {
      for (const r of p.rows) ids.add(r.id);
      seen.push({ page: p.page, n: p.rows.length, last: p.last });
    }
    return { ids, seen };
  }

  for (const readAhead of [false, true]) {
    describe(readAhead ? 'with read-ahead' : 'without read-ahead', () => {
      it('a good read costs one more request: the short last page asked again', async () => {
        const source = list(25, 10);
        const { ids, seen } = await read(source, 10, readAhead);
        expect(ids.size).toBe(25);
        expect(source.asked).toEqual([1, 2, 3, 4, 3]);
        expect(seen.at(-1)).toEqual({ page: 4, n: 0, last: true });
      });

      it('a history that ends on a full page: the empty page is asked again', async () => {
        const source = list(20, 10);
        const { ids } = await read(source, 10, readAhead);
        expect(ids.size).toBe(20);
        expect(source.asked).toEqual([1, 2, 3, 3]);
      });

      it('a false empty page mid-list does not end it', async () => {
        const source = list(35, 10, { 2: 0 }); // page 2 answered empty once
        const { ids } = await read(source, 10, readAhead);
        expect(ids.size).toBe(35);
        expect(source.asked.slice(0, 3)).toEqual([1, 2, 2]);
      });

      it('a page cut short mid-list is asked again when a longer page follows it', async () => {
        const source = list(35, 10, { 1: 4 }); // page 1 answered with 4 of its 10 rows
        const { ids, seen } = await read(source, 10, readAhead);
        expect(ids.size).toBe(35);
        expect(seen.slice(0, 3).map((s) => [s.page, s.n])).toEqual([
          [1, 4],
          [1, 10],
          [2, 10],
        ]);
      });

      it('the last page cut short is asked again at the end', async () => {
        const source = list(25, 10, { 3: 2 }); // page 3 answered with 2 of its 5 rows
        const { ids } = await read(source, 10, readAhead);
        expect(ids.size).toBe(25);
        expect(source.asked).toEqual([1, 2, 3, 4, 3]);
      });

      it('a server that clamps the page size is not asked every page twice', async () => {
        const source = list(45, 20); // asked for 200, answers 20
        const { ids } = await read(source, 200, readAhead);
        expect(ids.size).toBe(45);
        expect(source.asked).toEqual([1, 2, 3, 4, 3]);
      });

      it('an empty list: its one empty page asked twice', async () => {
        const source = list(0, 10);
        const { seen } = await read(source, 10, readAhead);
        expect(source.asked).toEqual([1, 1]);
        expect(seen).toEqual([{ page: 1, n: 0, last: true }]);
      });
    });
  }
});
