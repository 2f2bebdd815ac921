import { CONTROL_PREFIX, handleControl } from './control';
import type { FakeResponse } from './http/types';
import { parseBody } from './server';
import { API_BASE_PATH, responseText, type Simulator } from './simulator';

/** The caller's address for in-process requests (msw, `fake.fetch`): one client, one limit. */
export const IN_PROCESS_IP = '127.0.0.1';

/**
 * Answers a fetch `Request` in process. A hung request settles only when its signal aborts (the
 * client's timeout); a dropped connection is a network error (`TypeError`), like undici's.
 */
export async function answerRequest(sim: Simulator, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const body = parseBody(method === 'GET' || method === 'HEAD' ? '' : await request.text());
  let response: FakeResponse;
  if (url.pathname.startsWith(CONTROL_PREFIX)) response = handleControl(sim, method, url, body);
  else if (!url.pathname.startsWith(API_BASE_PATH)) {
    response = {
      kind: 'json',
      status: 404,
      body: { success: false, data: null, meta: { message: 'Не найдено' } },
    };
  } else {
    response = sim.handle({
      method,
      url,
      headers: request.headers,
      body,
      ip: request.headers.get('x-forwarded-for') ?? IN_PROCESS_IP,
    });
  }
  switch (response.kind) {
    case 'hang':
      return new Promise<Response>((_, reject) => {
        const abort = () => reject(request.signal.reason ?? new DOMException('aborted', 'AbortError'));
        if (request.signal.aborted) abort();
        else request.signal.addEventListener('abort', abort, { once: true });
      });
    case 'drop':
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      });
    case 'empty':
      return new Response(null, { status: response.status });
    case 'json':
      return new Response(responseText(response), {
        status: response.status,
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...response.headers },
      });
    case 'stream': {
      const chunks = response.chunks()[Symbol.iterator]();
      // pulled one piece at a time, so the body is never whole in memory before the caller reads it
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
      });
      return new Response(body, {
        status: response.status,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          ...(response.length === undefined ? {} : { 'Content-Length': String(response.length) }),
          ...response.headers,
        },
      });
    }
  }
}
