import type { Fault } from './faults';
import type { FakeResponse } from './http/types';
import { FILL_MARK, isRow, poisonRow, withFill } from './poison';

/** meta keys that report the size of the whole list: `total_count`, and `count` on the staff list */
const TOTAL_KEYS = new Set(['total_count', 'count']);
const HUGE_STRING_CHARS = 40 * 1024 * 1024;
const PIECE_BYTES = 64 * 1024;

/**
 * A list answer's rows as an `empty`, `short`, `poison` or `huge` fault leaves them. Answers that are
 * not a successful list (an error, a single row), and poison aimed past the last row, pass unchanged.
 */
export function rewriteRows(body: unknown, fault: Fault): unknown {
  const rows = Array.isArray(body)
    ? body
    : isRow(body) && body.success === true && Array.isArray(body.data)
      ? body.data
      : undefined;
  if (!rows) return body;
  const rebuild = (data: unknown[], total: (real: number) => number): unknown => {
    if (!isRow(body)) return data;
    const meta = isRow(body.meta)
      ? Object.fromEntries(
          Object.entries(body.meta).map(([k, v]) => [
            k,
            TOTAL_KEYS.has(k) && typeof v === 'number' ? total(v) : v,
          ]),
        )
      : body.meta;
    return { ...body, data, meta };
  };
  switch (fault.kind) {
    case 'empty':
      return rebuild([], () => 0);
    case 'short': {
      const kept = rows.slice(0, fault.keep ?? Math.floor(rows.length / 2));
      return rebuild(kept, (real) => fault.totalCount ?? real - (rows.length - kept.length));
    }
    case 'poison':
    case 'huge': {
      const index = fault.kind === 'poison' ? (fault.index ?? 0) : 0;
      const row = rows[index];
      if (!isRow(row)) return body;
      const spoiled = fault.kind === 'poison' ? poisonRow(row, fault.poison!) : withFill(row);
      return rebuild(
        rows.map((r, i) => (i === index ? spoiled : r)),
        (real) => real,
      );
    }
    default:
      return body;
  }
}

/**
 * The answer of a `huge` fault or a `huge-string` poison: its JSON with the fill mark replaced by a run
 * of `x`s, streamed in pieces so that the big text is never built whole. `huge` sizes the run so that
 * the whole answer has `bytes` bytes (when that is more than the real answer).
 */
export function filledAnswer(response: Extract<FakeResponse, { kind: 'json' }>, fault: Fault): FakeResponse {
  if (fault.kind !== 'huge' && fault.poison !== 'huge-string') return response;
  const text = JSON.stringify(response.body);
  const at = text.indexOf(`"${FILL_MARK}"`);
  if (at < 0) return response;
  const head = Buffer.from(text.slice(0, at + 1));
  const tail = Buffer.from(text.slice(at + 1 + FILL_MARK.length));
  const fill =
    fault.kind === 'huge'
      ? Math.max(0, fault.bytes! - head.length - tail.length)
      : (fault.size ?? HUGE_STRING_CHARS);
  return {
    kind: 'stream',
    status: response.status,
    headers: response.headers,
    length: fault.chunked ? undefined : head.length + fill + tail.length,
    chunks: () => pieces(head, fill, tail),
  };
}

function* pieces(head: Buffer, fill: number, tail: Buffer): IterableIterator<Uint8Array> {
  yield head;
  // a fresh piece each time: a consumer may keep (or transfer) what it is handed
  for (let left = fill; left > 0; left -= PIECE_BYTES) yield Buffer.alloc(Math.min(PIECE_BYTES, left), 'x');
  yield tail;
}
