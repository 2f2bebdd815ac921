import type { PoisonKind } from './faults';
import { ZERO_DATETIME } from './time';

type Row = Record<string, unknown>;

/** Stands in a row for a string too big to build: `filledAnswer` streams `x`s in its place. */
export const FILL_MARK = 'yclients-fake:fill';

/** Where text poison goes first: the fields a sync is least likely to leave out. */
const TEXT_FIELDS = ['name', 'title', 'comment'];

export function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A name-like text field of the row, else any text field (search rows may hold only some), else `name`. */
function textField(row: Row): string {
  return (
    TEXT_FIELDS.find((k) => typeof row[k] === 'string') ??
    Object.keys(row).find((k) => typeof row[k] === 'string') ??
    'name'
  );
}

/** `text` with `insert` in the middle, cut between code points so that no surrogate pair is split. */
function spliced(text: string, insert: string): string {
  const points = Array.from(text);
  const half = Math.floor(points.length / 2);
  return points.slice(0, half).join('') + insert + points.slice(half).join('');
}

function withText(row: Row, insert: string): Row {
  const key = textField(row);
  return { ...row, [key]: spliced(String(row[key] ?? ''), insert) };
}

/** The row with `insert` also in its first nested object (or the first object of a nested list). */
function withNestedText(row: Row, insert: string): Row {
  for (const [key, value] of Object.entries(row)) {
    if (isRow(value)) return { ...row, [key]: withText(value, insert) };
    if (Array.isArray(value) && isRow(value[0])) {
      return { ...row, [key]: [withText(value[0], insert), ...value.slice(1)] };
    }
  }
  return row;
}

/** The row with a text field standing for a huge string (see `FILL_MARK`). */
export function withFill(row: Row): Row {
  return { ...row, [textField(row)]: FILL_MARK };
}

/** A spoiled copy of a row; the original may be a stored mutation, so it is never changed in place. */
export function poisonRow(row: Row, kind: PoisonKind): Row | null {
  switch (kind) {
    case 'nul':
      return withNestedText(withText(row, '\u0000'), '\u0000');
    case 'surrogate':
      // a lone high surrogate: JSON.stringify writes it as the escape `\ud800`, as YClients does
      return withText(row, '\ud800');
    case 'id-zero':
      return { ...row, id: 0 };
    case 'id-negative':
      return { ...row, id: -5 };
    case 'id-text':
      return { ...row, id: 'abc' };
    case 'id-missing': {
      const { id: _, ...rest } = row;
      return rest;
    }
    case 'null-row':
      return null;
    case 'zero-datetime': {
      const out = { ...row };
      for (const key of ['datetime', 'date']) if (key in out) out[key] = ZERO_DATETIME;
      return out;
    }
    case 'huge-string':
      return withFill(row);
  }
}
