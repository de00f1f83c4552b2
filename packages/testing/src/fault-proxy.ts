/**
 * A TCP proxy for fault injection between real processes (FACTS: no netem, no iptables, no
 * toxiproxy server here). It forwards bytes both ways and can, per direction or per connection:
 * delay them, throttle them, cut connections, and — what a half-open connection or a stuck
 * middlebox looks like — go silent: swallow everything from then on while keeping both sockets
 * open, so neither end hears a FIN or RST.
 *
 * Faults set with `set()` apply to every connection (open and future); `silence()` and `cut()`
 * act on the connections open now, so a client that reconnects gets through. `silenceWhen`
 * inspects each piece of data before it is forwarded: the piece that matches and everything after
 * it on that connection are swallowed (e.g. the delivery of a stream's `end`).
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export type ProxyDirection = 'upstream' | 'downstream';

export interface ProxyFaults {
  /** Each piece of data waits this long before it is forwarded (order kept). */
  delayMs?: number;
  /** At most this many bytes per second per connection and direction (0 or undefined: no cap). */
  bytesPerSecond?: number;
  /**
   * Called with each piece of data before it is forwarded; true: swallow it and everything after
   * it on that connection (both ways), keeping the sockets open.
   */
  silenceWhen?: (data: Buffer, direction: ProxyDirection) => boolean;
}

export interface FaultProxyOptions extends ProxyFaults {
  /** Where connections go. */
  target: { host: string; port: number };
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: a base URL for HTTP and WebSocket clients. */
  readonly url: string;
  readonly port: number;
  /** Connections open now. */
  readonly open: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Connections silenced (by `silence()` or `silenceWhen`) since the start. */
  readonly silenced: number;
  /** Replaces the faults of every connection, open and future. */
  set(faults: ProxyFaults): void;
  /** Every open connection swallows everything from now on; its sockets stay open. */
  silence(): void;
  /** Destroys every open connection (both sockets, as a reset would). */
  cut(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 in front of `target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target, ...faults } = options;
  let current: ProxyFaults = faults;
  const connections = new Set<ProxiedConnection>();
  let accepted = 0;
  let silenced = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    const connection = new ProxiedConnection(client, target, () => current, {
      onSilenced: () => {
        silenced += 1;
      },
      onClosed: () => connections.delete(connection),
    });
    connections.add(connection);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get open() {
      return connections.size;
    },
    get accepted() {
      return accepted;
    },
    get silenced() {
      return silenced;
    },
    set(next) {
      current = next;
    },
    silence() {
      for (const connection of connections) connection.silence();
    },
    cut() {
      for (const connection of [...connections]) connection.destroy();
    },
    async close() {
      for (const connection of [...connections]) connection.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class ProxiedConnection {
  readonly #client: Socket;
  readonly #server: Socket;
  readonly #faults: () => ProxyFaults;
  readonly #events: { onSilenced: () => void; onClosed: () => void };
  #silent = false;
  #closed = false;

  constructor(
    client: Socket,
    target: { host: string; port: number },
    faults: () => ProxyFaults,
    events: { onSilenced: () => void; onClosed: () => void },
  ) {
    this.#client = client;
    this.#faults = faults;
    this.#events = events;
    this.#server = tcpConnect(target.port, target.host);
    client.setNoDelay(true);
    this.#server.setNoDelay(true);
    this.#pipe(client, this.#server, 'upstream');
    this.#pipe(this.#server, client, 'downstream');
  }

  silence(): void {
    if (this.#silent) return;
    this.#silent = true;
    this.#events.onSilenced();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
    this.#server.destroy();
    this.#events.onClosed();
  }

  /** Forwards `from` → `to` one piece at a time, in order, through the faults. */
  #pipe(from: Socket, to: Socket, direction: ProxyDirection): void {
    let queue = Promise.resolve();
    from.on('data', (data: Buffer) => {
      const faults = this.#faults();
      if (!this.#silent && faults.silenceWhen?.(data, direction) === true) this.silence();
      if (this.#silent) return;
      queue = queue.then(() => this.#forward(data, to, faults));
    });
    // A half-close or an error ends the whole connection, unless it is silent: then the other
    // side must hear nothing at all.
    from.on('end', () => {
      if (!this.#silent) queue = queue.then(() => this.destroy());
    });
    from.on('error', () => {
      if (!this.#silent) this.destroy();
    });
    from.on('close', () => {
      if (!this.#silent) this.destroy();
      else if (from === this.#client) this.destroy();
    });
  }

  async #forward(data: Buffer, to: Socket, faults: ProxyFaults): Promise<void> {
    if (faults.delayMs !== undefined && faults.delayMs > 0) await sleep(faults.delayMs);
    const rate = faults.bytesPerSecond;
    let rest = data;
    while (rest.length > 0) {
      if (this.#silent || this.#closed) return;
      // Throttled: slices of a tenth of a second's worth, each followed by its share of time.
      const size =
        rate !== undefined && rate > 0 ? Math.max(1, Math.floor(rate / 10)) : rest.length;
      const piece = rest.subarray(0, size);
      rest = rest.subarray(size);
      if (!to.destroyed) to.write(piece);
      if (rate !== undefined && rate > 0) await sleep((piece.length / rate) * 1_000);
    }
  }
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
