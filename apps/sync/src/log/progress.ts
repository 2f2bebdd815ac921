/**
 * Progress of the entity being synced: pages, rows, rate and, when the total is known, the share done and
 * an ETA. On a TTY it is one line redrawn per page (with a bar); off a TTY (cron) it is a `progress` log
 * line at most every `everyMs`, so a long first sync shows it is alive without flooding the log.
 */
import type { Logger } from './logger';

export interface Progress {
  start(label: string, totalRows?: number): void;
  total(totalRows: number): void;
  page(rows: number): void;
  done(): void;
  /** Clears the line so a log line can be printed over it. */
  clear(): void;
}

export const silentProgress: Progress = {
  start() {},
  total() {},
  page() {},
  done() {},
  clear() {},
};

interface Snapshot {
  label: string;
  pages: number;
  rows: number;
  totalRows: number | undefined;
  rowsPerSecond: number;
  /** seconds left at the current rate; undefined without a total or a rate */
  etaSeconds: number | undefined;
}

/** Counts pages and rows of the current entity and calls `show` after every change. */
function tracked(show: (s: Snapshot) => void, hide: () => void, now: () => number): Progress {
  let label = '';
  let totalRows: number | undefined;
  let rows = 0;
  let pages = 0;
  let startedAt = 0;
  const snapshot = (): Snapshot => {
    const elapsed = (now() - startedAt) / 1000;
    const rowsPerSecond = elapsed > 0 ? rows / elapsed : 0;
    const etaSeconds =
      totalRows && totalRows > 0 && rowsPerSecond > 0
        ? Math.max(0, totalRows - rows) / rowsPerSecond
        : undefined;
    return { label, pages, rows, totalRows, rowsPerSecond, etaSeconds };
  };
  return {
    start(l, t) {
      label = l;
      totalRows = t;
      rows = 0;
      pages = 0;
      startedAt = now();
      show(snapshot());
    },
    total(t) {
      totalRows = t;
      show(snapshot());
    },
    page(n) {
      rows += n;
      pages += 1;
      show(snapshot());
    },
    done: hide,
    clear: hide,
  };
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/**
 * On a terminal: one line, redrawn per page, never wider than the terminal (a wrapped line would leave a
 * new line per redraw): the bar and the ETA go first when it is narrow. A total from upstream is an
 * estimate (a list re-read around a shifted page counts rows twice), so the line never shows more rows
 * than its total: the total grows to the rows read.
 */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr, now = Date.now): Progress {
  let visible = false;
  const show = (s: Snapshot) => {
    const columns = Math.max(20, stream.columns ?? 80) - 1;
    const label = s.label.padEnd(18);
    let candidates: string[];
    if (s.totalRows && s.totalRows > 0) {
      const total = Math.max(s.totalRows, s.rows);
      const share = Math.min(1, s.rows / total);
      const width = 20;
      const filled = Math.round(share * width);
      const percent = `${(share * 100).toFixed(0)}%`;
      const counts = `${s.rows}/${total} rows`;
      candidates = [
        `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}  ${counts}  ${s.pages} pages  ETA ${formatDuration(s.etaSeconds)}`,
        `${label} ${percent}  ${counts}  ETA ${formatDuration(s.etaSeconds)}`,
        `${s.label} ${percent}`,
      ];
    } else {
      candidates = [
        `${label} ${s.pages} pages  ${s.rows} rows  ${s.rowsPerSecond.toFixed(0)} rows/s`,
        `${s.label} ${s.rows} rows`,
      ];
    }
    const text = candidates.find((c) => c.length <= columns) ?? candidates.at(-1)!.slice(0, columns);
    stream.write(`\r\x1b[2K${text}`);
    visible = true;
  };
  const hide = () => {
    if (visible) stream.write('\r\x1b[2K');
    visible = false;
  };
  return tracked(show, hide, now);
}

/** Off a TTY: a `progress` log line per entity at most every `everyMs` (none for quick entities). */
export function logProgress(log: Logger, everyMs = 30_000, now = Date.now): Progress {
  let lastAt = 0;
  return tracked(
    (s) => {
      if (s.pages === 0) {
        lastAt = now(); // an entity's start: its first line comes `everyMs` later
        return;
      }
      if (now() - lastAt < everyMs) return;
      lastAt = now();
      log.info('progress', {
        entity: s.label,
        pages: s.pages,
        rows: s.rows,
        ...(s.totalRows ? { totalRows: s.totalRows } : {}),
        rowsPerSecond: Math.round(s.rowsPerSecond),
        ...(s.etaSeconds !== undefined ? { etaSeconds: Math.round(s.etaSeconds) } : {}),
      });
    },
    () => {},
    now,
  );
}
