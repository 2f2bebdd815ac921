/**
 * A TCP proxy that holds every chunk for `delayMs` in each direction, so a client on this machine sees the
 * database as if it were across a network (5 ms each way ≈ a database in another data centre of the same
 * city). It also counts what crosses it: bytes each way and "turns" — a client→server burst that follows
 * server→client traffic, which is one round trip the client waited for. Counting on the wire catches round
 * trips a client wrapper would miss (a COPY is two: the server must answer CopyInResponse first).
 */
import net from 'node:net';

export interface ProxyCounters {
  /** Client→server bursts that began after the server had spoken (or the first one): round trips. */
  turns: number;
  bytesToServer: number;
  bytesToClient: number;
  chunksToServer: number;
  chunksToClient: number;
  connections: number;
}

export interface LatencyProxy {
  readonly host: string;
  readonly port: number;
  readonly counters: ProxyCounters;
  /** Zero the counters (e.g. after connecting, so the start-up handshake is not counted). */
  reset(): void;
  close(): Promise<void>;
}

export interface LatencyProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Added to every chunk in each direction. @default 5 */
  delayMs?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/**
 * Writes chunks to `dest` `delayMs` after they arrived, in arrival order (one timer at a time for the head of
 * the queue, so order never depends on timer tie-breaking), and ends `dest` once the queue drains after
 * the source ended.
 */
class DelayedPipe {
  private readonly queue: Array<{ due: number; chunk: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly dest: net.Socket,
    private readonly delayMs: number,
  ) {}

  push(chunk: Buffer): void {
    this.queue.push({ due: performance.now() + this.delayMs, chunk });
    this.schedule();
  }

  end(): void {
    this.ended = true;
    this.schedule();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer) return;
    const head = this.queue[0];
    if (!head) {
      if (this.ended && !this.dest.destroyed) this.dest.end();
      return;
    }
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - performance.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    // Timers may fire a fraction of a millisecond early; anything due within 0.5 ms goes now.
    while (this.queue.length && (this.queue[0]?.due ?? 0) <= now + 0.5) {
      const { chunk } = this.queue.shift()!;
      if (!this.dest.destroyed) this.dest.write(chunk);
    }
    this.schedule();
  }
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const delayMs = options.delayMs ?? 5;
  const counters: ProxyCounters = {
    turns: 0,
    bytesToServer: 0,
    bytesToClient: 0,
    chunksToServer: 0,
    chunksToClient: 0,
    connections: 0,
  };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    counters.connections++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: options.targetHost, port: options.targetPort });
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    const toServer = new DelayedPipe(upstream, delayMs);
    const toClient = new DelayedPipe(client, delayMs);
    // Whose turn it is on this connection: a client chunk after server traffic starts a new round trip.
    let serverSpokeLast = true;

    client.on('data', (chunk: Buffer) => {
      if (serverSpokeLast) counters.turns++;
      serverSpokeLast = false;
      counters.bytesToServer += chunk.length;
      counters.chunksToServer++;
      toServer.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      serverSpokeLast = true;
      counters.bytesToClient += chunk.length;
      counters.chunksToClient++;
      toClient.push(chunk);
    });
    client.on('end', () => toServer.end());
    upstream.on('end', () => toClient.end());
    const close = () => {
      toServer.clear();
      toClient.clear();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    host,
    port,
    counters,
    reset() {
      counters.turns = 0;
      counters.bytesToServer = 0;
      counters.bytesToClient = 0;
      counters.chunksToServer = 0;
      counters.chunksToClient = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
