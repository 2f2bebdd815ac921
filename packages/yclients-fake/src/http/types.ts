/** A request as both front ends (msw and node:http) hand it to the simulator. */
export interface FakeRequest {
  method: string;
  url: URL;
  headers: { get(name: string): string | null };
  /** the parsed JSON body, undefined when there is none; `invalid` when it does not parse */
  body: unknown;
  /** the caller's address: the limits are per IP */
  ip: string;
}

/** What the simulator answers; the front ends turn it into HTTP (or into no answer at all). */
export type FakeResponse =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string>; truncate?: boolean }
  | { kind: 'empty'; status: number }
  /** a JSON body written piece by piece, too big to build whole; sent chunked when `length` is unset */
  | {
      kind: 'stream';
      status: number;
      headers?: Record<string, string>;
      /** bytes, for the Content-Length */
      length?: number;
      chunks(): Iterable<Uint8Array>;
    }
  /** never answer: the client has to time out */
  | { kind: 'hang' }
  /** destroy the connection without an answer */
  | { kind: 'drop' };

export const INVALID_BODY = Symbol('invalid body');
