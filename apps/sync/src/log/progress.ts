/**
 * A progress line per entity on a TTY: pages, rows, request rate and, when the total is known, a bar
 * and an ETA. Off a TTY it does nothing (the JSON log has a line per page instead).
 */
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

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let label = '';
  let totalRows: number | undefined;
  let rows = 0;
  let pages = 0;
  let startedAt = 0;
  let visible = false;

  const render = () => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const rate = elapsed > 0 ? rows / elapsed : 0;
    let text = `${label.padEnd(18)} ${pages} pages  ${rows} rows  ${rate.toFixed(0)} rows/s`;
    if (totalRows && totalRows > 0) {
      const share = Math.min(1, rows / totalRows);
      const width = 20;
      const filled = Math.round(share * width);
      const eta = rate > 0 ? (totalRows - rows) / rate : Number.NaN;
      text = `${label.padEnd(18)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0)}%  ${rows}/${totalRows} rows  ${pages} pages  ETA ${formatDuration(eta)}`;
    }
    stream.write(`\r\x1b[2K${text}`);
    visible = true;
  };
  const clear = () => {
    if (visible) stream.write('\r\x1b[2K');
    visible = false;
  };
  return {
    start(l, t) {
      label = l;
      totalRows = t;
      rows = 0;
      pages = 0;
      startedAt = Date.now();
      render();
    },
    total(t) {
      totalRows = t;
      render();
    },
    page(n) {
      rows += n;
      pages += 1;
      render();
    },
    done() {
      clear();
    },
    clear,
  };
}
