import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log/logger';
import { logProgress, ttyProgress } from '../src/log/progress';

describe('progress', () => {
  it('off a TTY: a progress log line at most every interval, with rate and ETA, none for a quick entity', () => {
    let now = 0;
    const lines: string[] = [];
    const log = createLogger({ json: true, redact: (t) => t, write: (t) => lines.push(t) });
    const progress = logProgress(log, 30_000, () => now);
    progress.start('records', 10_000);
    for (let i = 1; i <= 10; i++) {
      now += 10_000; // a 1,000-row page every 10 s
      progress.page(1000);
    }
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.pages)).toEqual([3, 6, 9]);
    expect(events[0]).toMatchObject({
      event: 'progress',
      entity: 'records',
      rows: 3000,
      totalRows: 10_000,
      rowsPerSecond: 100,
      etaSeconds: 70,
    });
    lines.length = 0;
    progress.start('staff');
    progress.page(12);
    progress.done();
    expect(lines).toEqual([]);
  });

  it('on a TTY: one redrawn line with a bar, share and ETA, cleared when done', () => {
    let now = 0;
    let out = '';
    const write = (t: string) => {
      out += t;
      return true;
    };
    const stream = { write } as unknown as NodeJS.WriteStream;
    const progress = ttyProgress(stream, () => now);
    progress.start('clients', 1000);
    now = 2000;
    progress.page(300);
    expect(out.split('\r\x1b[2K').at(-1)).toBe(
      'clients            [######..............] 30%  300/1000 rows  1 pages  ETA 5s',
    );
    progress.done();
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('on a TTY: never wider than the terminal, never past its total', () => {
    let out = '';
    const write = (t: string) => {
      out += t;
      return true;
    };
    const last = () => out.split('\r\x1b[2K').at(-1)!;
    for (const columns of [120, 60, 30, 20]) {
      out = '';
      const stream = { write, columns } as unknown as NodeJS.WriteStream;
      const progress = ttyProgress(stream, () => 1000);
      progress.start('service_categories', 48_780);
      progress.page(50_326); // upstream's total was an estimate
      expect(last().length).toBeLessThan(columns);
      expect(last()).not.toContain('50326/48780');
      if (columns >= 60) expect(last()).toContain('100%  50326/50326 rows');
    }
  });
});
