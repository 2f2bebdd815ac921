/**
 * One logger per process. On a TTY it prints short human lines (and progress bars, see progress.ts);
 * otherwise one JSON object per line, for cron mail and log shippers. Every line goes through the
 * redactor. Durations carry their unit in the field name (`durationMs`).
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  child(scope: Fields): Logger;
  /** The raw human output stream, for tables and the progress bar (already redacted). */
  print(text: string): void;
  readonly json: boolean;
}

export interface LoggerOptions {
  json: boolean;
  redact: (text: string) => string;
  write?: (line: string) => void;
  debug?: boolean;
  /** Called before a human line is written, so a progress bar can step aside. */
  beforeWrite?: () => void;
}

function humanValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

export function createLogger(options: LoggerOptions, scope: Fields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: Level, event: string, fields: Fields = {}) => {
    if (level === 'debug' && !options.debug) return;
    const all = { ...scope, ...fields };
    let line: string;
    if (options.json) {
      line = JSON.stringify({ time: new Date().toISOString(), level, event, ...all }, (_k, v) =>
        v instanceof Error ? v.message : v,
      );
    } else {
      const tail = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${humanValue(v instanceof Error ? v.message : v)}`)
        .join(' ');
      const tag = level === 'info' ? '' : `${level.toUpperCase()} `;
      line = `${tag}${event}${tail ? `  ${tail}` : ''}`;
      options.beforeWrite?.();
    }
    write(options.redact(line));
  };
  return {
    json: options.json,
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (more) => createLogger(options, { ...scope, ...more }),
    print: (text) => {
      options.beforeWrite?.();
      write(options.redact(text));
    },
  };
}
