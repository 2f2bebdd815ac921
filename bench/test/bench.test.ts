/**
 * The benchmark's own tools: the latency proxy forwards a PostgreSQL conversation intact and counts its
 * round trips, and the row generators give the same rows every time. No timing is asserted.
 */
import { adminDatabaseUrl } from '@yclients-pg/test/helpers/database';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withHostPort } from '../src/database';
import { clientRow, isChanged, page, recordRow } from '../src/generate';
import { startLatencyProxy } from '../src/latency-proxy';
import { copyText } from '../src/loaders';
import { busiestWindow } from '../src/simulator-host';
import { allowedRequests } from '../src/sync-suites';

describe('latency proxy', () => {
  it('forwards a query and its response intact, one counted round trip per query', async () => {
    const target = new URL(adminDatabaseUrl());
    const proxy = await startLatencyProxy({
      targetHost: target.hostname,
      targetPort: Number(target.port || 5432),
      delayMs: 5,
    });
    const client = new pg.Client({
      connectionString: withHostPort(adminDatabaseUrl(), proxy.host, proxy.port),
    });
    try {
      await client.connect();
      proxy.reset();
      const payload = `héllo ${'x'.repeat(100_000)} мир`; // larger than one TCP chunk
      const { rows } = await client.query<{ echo: string; n: number }>('select $1::text as echo, 42 as n', [
        payload,
      ]);
      expect(rows).toEqual([{ echo: payload, n: 42 }]);
      expect(proxy.counters.turns).toBe(1);
      await client.query('select 1');
      await client.query('select 2');
      expect(proxy.counters.turns).toBe(3);
      expect(proxy.counters.bytesToServer).toBeGreaterThan(100_000);
      expect(proxy.counters.bytesToClient).toBeGreaterThan(100_000);
      expect(proxy.counters.connections).toBe(1);
    } finally {
      await client.end().catch(() => {});
      await proxy.close();
    }
  });

  it('keeps a pipelined stream of chunks in order', async () => {
    const net = await import('node:net');
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as { port: number }).port;
    const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: 2 });
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    const expected = Array.from({ length: 200 }, (_, i) => `${i};`).join('');
    const received = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
        if (text.length >= expected.length) resolve(text);
      });
      socket.on('error', reject);
      for (let i = 0; i < 200; i++) socket.write(`${i};`);
    });
    expect(received).toBe(expected);
    socket.destroy();
    await proxy.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });
});

describe('row generators', () => {
  it('give the same rows on every call', () => {
    expect(page('clients', 3, 200, 20_000)).toEqual(page('clients', 3, 200, 20_000));
    expect(JSON.stringify(page('records', 7, 200, 20_000, 2))).toBe(
      JSON.stringify(page('records', 7, 200, 20_000, 2)),
    );
    expect(clientRow(12345)).toEqual(clientRow(12345));
    expect(recordRow(999, 4000)).toEqual(recordRow(999, 4000));
  });

  it('change exactly the rows marked changed in version 2', () => {
    const v1 = page('records', 0, 200, 20_000, 1);
    const v2 = page('records', 0, 200, 20_000, 2);
    const differing = v1.filter((row, i) => JSON.stringify(row) !== JSON.stringify(v2[i])).map((r) => r.id);
    expect(differing).toEqual(v1.map((r) => r.id).filter((id) => isChanged(Number(id))));
    expect(differing).toHaveLength(20);
  });

  it('produce the normalised shapes the merge functions take', () => {
    const client = clientRow(1);
    expect(Object.keys(client)).toEqual(
      expect.arrayContaining(['id', 'phone', 'birth_date', 'custom_fields', 'categories', 'raw']),
    );
    expect(String(client.phone)).toMatch(/^\+7\d{10}$/);
    const record = recordRow(1, 1000);
    expect(Array.isArray(record.services)).toBe(true);
    expect(String(record.datetime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$/);
  });
});

describe('COPY text format', () => {
  it('escapes what COPY gives meaning to', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText(true)).toBe('t');
    expect(copyText('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
    expect(copyText({ k: 'v\n' })).toBe('{"k":"v\\\\n"}');
  });
});

describe('request budget arithmetic', () => {
  it('the busiest window counts requests inside any rolling span', () => {
    expect(busiestWindow([], 1000)).toBe(0);
    expect(busiestWindow([0, 100, 200, 999, 1000, 1500], 1000)).toBe(4);
    expect(busiestWindow([0, 1000, 2000], 1000)).toBe(1);
  });

  it('what YClients allows: 5/s, capped at 200 in any minute', () => {
    expect(allowedRequests(10)).toBe(50);
    expect(allowedRequests(40)).toBe(200);
    expect(allowedRequests(59)).toBe(200);
    expect(allowedRequests(61)).toBe(305);
    expect(allowedRequests(180)).toBe(600);
  });
});
