import { describe, expect, it } from 'vitest';
import { readAhead } from '../src/entities/read-ahead';

/** A list of `total` pages whose requests are logged and answered only when the test says so. */
function list(total: number) {
  const requested: number[] = [];
  const answer = new Map<number, (v: { page: number; rows: number[] }) => void>();
  const fail = new Map<number, (e: Error) => void>();
  const fetchPage = (page: number) =>
    new Promise<{ page: number; rows: number[] }>((resolve, reject) => {
      requested.push(page);
      answer.set(page, resolve);
      fail.set(page, reject);
    });
  const isLast = (_r: unknown, page: number) => page >= total;
  const reply = (page: number) => answer.get(page)?.({ page, rows: page <= total ? [page] : [] });
  return { requested, fetchPage, isLast, reply, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('readAhead', () => {
  it('requests page n+1 while page n is being handled, and nothing after the last page', async () => {
    const l = list(3);
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const { page } of readAhead(l.fetchPage, 1, l.isLast)) {
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

  it('starts where it is told (a resumed read)', async () => {
    const l = list(5);
    const consumer = (async () => {
      const pages: number[] = [];
      for await (const { page } of readAhead(l.fetchPage, 4, l.isLast)) {
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
        for await (const _ of readAhead(l.fetchPage, 1, l.isLast)) throw new Error('merge failed');
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
      for await (const { page } of readAhead(l.fetchPage, 1, l.isLast)) {
        if (page === 1) l.fail.get(2)?.(new Error('HTTP 503'));
      }
    })();
    l.reply(1);
    await expect(consumer).rejects.toThrow('HTTP 503');
  });
});
