import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { CONTROL_PREFIX, handleControl } from './control';
import { type FakeResponse, INVALID_BODY } from './http/types';
import { API_BASE_PATH, responseText, type Simulator } from './simulator';

export interface Listening {
  /** e.g. `http://127.0.0.1:8080/api/v1` */
  url: string;
  port: number;
  /** stops the server and destroys every open connection (hung ones included) */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_BODY;
  }
}

/** A real HTTP server on node:http, so a sync in another process can talk to the simulator. */
export async function listen(sim: Simulator, port = 0, host = '127.0.0.1'): Promise<Listening> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
      const body = parseBody(await readBody(req));
      const method = (req.method ?? 'GET').toUpperCase();
      let response: FakeResponse;
      if (url.pathname.startsWith(CONTROL_PREFIX)) {
        response = handleControl(sim, method, url, body === INVALID_BODY ? undefined : body);
      } else if (url.pathname.startsWith(API_BASE_PATH)) {
        response = sim.handle({
          method,
          url,
          headers: { get: (name) => req.headers[name.toLowerCase()]?.toString() ?? null },
          body,
          ip: req.socket.remoteAddress ?? 'unknown',
        });
      } else {
        response = {
          kind: 'json',
          status: 404,
          body: { success: false, data: null, meta: { message: 'Не найдено' } },
        };
      }
      switch (response.kind) {
        case 'hang':
          // no answer at all; the connection stays open until the client gives up or the server closes
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'empty':
          res.writeHead(response.status).end();
          return;
        case 'json': {
          const text = responseText(response);
          res.writeHead(response.status, {
            'Content-Type': 'application/json; charset=utf-8',
            ...response.headers,
          });
          res.end(text);
          return;
        }
        case 'stream':
          res.writeHead(response.status, {
            'Content-Type': 'application/json; charset=utf-8',
            ...(response.length === undefined ? {} : { 'Content-Length': String(response.length) }),
            ...response.headers,
          });
          // piece by piece as the socket drains; a client hanging up halfway just ends the pipe
          pipeline(Readable.from(response.chunks()), res, () => {});
          return;
      }
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ success: false, data: null, meta: { message: String(error) } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}${API_BASE_PATH}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
