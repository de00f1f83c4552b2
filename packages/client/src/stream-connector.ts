/**
 * The reconnect loop of one stream: picks a transport and a gateway, opens a link, and when
 * it fails, waits (exponential backoff with full jitter) and opens another, resuming where the
 * stream's buffer ends. A retryable failure moves to the next gateway when the gateway drains
 * (close 1012, `draining`) or cannot be reached; `maxAttempts` consecutive failures without an
 * item received fail the stream.
 *
 * Fallback ('auto'): a WebSocket that never opens is followed at once by SSE to the same
 * gateway. If SSE gets through, WebSockets are blocked on the way (a proxy): this stream stays
 * on SSE and the client prefers SSE for a while. If SSE fails too, the gateway is down: the
 * stream moves on and tries WebSocket again there.
 */
import { type Chunking, isSpoolError, SpoolError } from '@spool/protocol';
import { backoffDelay, sleep } from './backoff.ts';
import { exhaustedError, unreachableError } from './errors.ts';
import type { Link, LinkOutcome, LinkSink } from './link.ts';
import type { TransportName } from './options.ts';
import { SseLink } from './sse-link.ts';
import type { StreamHost } from './stream-host.ts';
import type { StreamState } from './stream-state.ts';
import { WsLink } from './ws-link.ts';

export interface ConnectorState {
  /** The stream still needs the network. */
  active(): boolean;
  /** Where a new connection resumes; undefined: where the subscription says. */
  resumeFrom(): number | undefined;
  /** The epoch of the items held below `resumeFrom()`, when a gateway named one. */
  resumeEpoch(): string | undefined;
  /** The log was rewritten under what the stream holds: start the message again from 0. */
  reset(error: SpoolError): void;
  /** Room left in the buffer: the window to ask for. */
  window(): number;
  /** Prepares a subscription's WebSocket resume; the offset to acknowledge first. */
  restartSubscription(): number | undefined;
  complete(): void;
  fail(error: SpoolError): void;
  state(state: StreamState): void;
}

type RetryOutcome = Extract<LinkOutcome, { kind: 'retry' }>;

export class StreamConnector {
  readonly #host: StreamHost;
  readonly #stream: string;
  readonly #subscription: string | undefined;
  readonly #chunking: Chunking | undefined;
  readonly #token: string | undefined;
  readonly #sink: LinkSink;
  readonly #state: ConnectorState;
  readonly #stop = new AbortController();
  #link: Link | undefined;
  #current: { transport?: TransportName; gateway?: string } = {};
  #gatewayIndex: number;
  #connections = 0;
  #connected = false;
  #attempts = 0;
  #fallback = false;
  #probing = false;
  #skipDelay = false;
  #wake: AbortController | undefined;

  constructor(input: {
    host: StreamHost;
    stream: string;
    subscription: string | undefined;
    chunking: Chunking | undefined;
    /** The stream's read token, if the application gave one. */
    token?: string | undefined;
    sink: LinkSink;
    state: ConnectorState;
  }) {
    this.#host = input.host;
    this.#stream = input.stream;
    this.#subscription = input.subscription;
    this.#chunking = input.chunking;
    this.#token = input.token;
    this.#state = input.state;
    this.#gatewayIndex = input.host.options.gateways.preferred;
    this.#sink = {
      ...input.sink,
      started: (from, epoch) => {
        this.#connectedTo();
        return input.sink.started(from, epoch);
      },
    };
  }

  get link(): Link | undefined {
    return this.#link;
  }

  get current(): { transport?: TransportName; gateway?: string } {
    return this.#current;
  }

  get gatewayIndex(): number {
    return this.#gatewayIndex;
  }

  start(): void {
    this.#run().catch((error: unknown) =>
      this.#state.fail(
        isSpoolError(error) ? error : new SpoolError('internal', String(error), { cause: error }),
      ),
    );
  }

  /** An item arrived: the failures so far are no longer consecutive. */
  progressed(): void {
    this.#attempts = 0;
  }

  drop(): void {
    this.#link?.drop();
  }

  switchGateway(): void {
    if (!this.#state.active()) return;
    this.#gatewayIndex = this.#host.options.gateways.next(this.#gatewayIndex);
    this.#skipDelay = true;
    this.#link?.dispose();
    this.#wake?.abort();
  }

  /** The stream needs the network no more: let go of the link, end the loop. */
  stop(): void {
    this.#link?.dispose();
    this.#link = undefined;
    this.#stop.abort();
    this.#wake?.abort();
    this.#setConnected(false);
  }

  async #run(): Promise<void> {
    let probe = false;
    while (this.#state.active()) {
      if (!this.#sink.hasRoom()) await this.#sink.room(this.#stop.signal);
      if (!this.#state.active()) return;
      const transport: TransportName | SpoolError = probe
        ? 'sse'
        : this.#host.transport(this.#fallback);
      if (transport instanceof SpoolError) return this.#state.fail(transport);
      this.#probing = probe;
      const outcome = await this.#connect(transport);
      if (!this.#state.active()) return;
      if (outcome.kind === 'complete') return this.#state.complete();
      if (outcome.kind === 'fatal') return this.#state.fail(outcome.error);
      if (outcome.kind === 'reset') {
        this.#state.reset(outcome.error);
        probe = false;
        continue;
      }
      if (outcome.kind === 'closed') {
        probe = false;
        continue;
      }
      const failedProbe = probe;
      probe =
        outcome.notOpened === true && transport === 'ws' && this.#host.options.transport === 'auto';
      if (probe) continue;
      if (!(await this.#backoff(outcome, failedProbe))) return;
    }
  }

  async #connect(transport: TransportName): Promise<LinkOutcome> {
    const gateway = this.#host.options.gateways.url(this.#gatewayIndex);
    this.#current = { transport, gateway };
    this.#connections += 1;
    if (transport === 'ws') {
      const refused = await this.#restartSubscription();
      if (refused !== undefined) return refused;
      if (!this.#state.active()) return { kind: 'closed' };
    }
    const link = this.#open(transport, gateway);
    this.#link = link;
    const outcome = await link.outcome;
    if (outcome.kind !== 'complete') {
      link.dispose();
      if (this.#link === link) this.#link = undefined;
    }
    this.#setConnected(false);
    return outcome;
  }

  #open(transport: TransportName, gateway: string): Link {
    const from = this.#state.resumeFrom();
    const epoch = this.#state.resumeEpoch();
    const subscription = this.#subscription;
    if (transport === 'ws') {
      return new WsLink({
        socket: this.#host.socket(gateway),
        gateway,
        stream: this.#stream,
        start: subscription === undefined ? { from: from ?? 0, epoch } : { subscription },
        window: Math.max(1, this.#state.window()),
        chunking: this.#chunking,
        token: this.#token ?? this.#host.options.apiKey,
        sink: this.#sink,
      });
    }
    const { fetch, headers } = this.#host.options;
    return new SseLink({
      fetch,
      headers:
        this.#token === undefined
          ? headers
          : { ...headers, Authorization: `Bearer ${this.#token}` },
      gateway,
      stream: this.#stream,
      start: { from: from ?? 0, epoch, subscription },
      chunking: this.#chunking,
      // A subscription's window is what the gateway holds unacknowledged; plain SSE counts what
      // the socket took as acknowledged, so TCP is its window.
      window: subscription === undefined ? undefined : Math.max(1, this.#state.window()),
      sink: this.#sink,
    });
  }

  /** A subscription resumes over WebSocket at its durable ack: bring that up to date first. */
  async #restartSubscription(): Promise<LinkOutcome | undefined> {
    const subscription = this.#subscription;
    const offset = this.#state.restartSubscription();
    if (subscription === undefined || offset === undefined) return undefined;
    try {
      await this.#host.acknowledge({
        gateway: this.#gatewayIndex,
        stream: this.#stream,
        subscription,
        offset,
        attempts: 1,
      });
      return undefined;
    } catch (error) {
      const spool = isSpoolError(error) ? error : unreachableError(error);
      return spool.retryable
        ? { kind: 'retry', error: spool, moveOn: true }
        : { kind: 'fatal', error: spool };
    }
  }

  async #backoff(outcome: RetryOutcome, failedProbe: boolean): Promise<boolean> {
    const { gateways, reconnect } = this.#host.options;
    this.#attempts += 1;
    if (this.#attempts >= reconnect.maxAttempts) {
      this.#state.fail(exhaustedError(this.#attempts, outcome.error));
      return false;
    }
    if (outcome.moveOn || failedProbe) this.#gatewayIndex = gateways.next(this.#gatewayIndex);
    const delay = this.#skipDelay ? 0 : backoffDelay(this.#attempts - 1, reconnect);
    this.#skipDelay = false;
    this.#wake = new AbortController();
    await sleep(delay, this.#wake.signal);
    this.#wake = undefined;
    return this.#state.active();
  }

  /** The gateway accepted the connection. */
  #connectedTo(): void {
    if (this.#probing) {
      // SSE got through where the WebSocket could not open: WebSockets are blocked on the way.
      this.#fallback = true;
      this.#host.webSocketBlocked();
    }
    this.#host.options.gateways.worked(this.#gatewayIndex);
    this.#setConnected(true);
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#state.state({
      ...this.#current,
      connected,
      reconnects: Math.max(0, this.#connections - 1),
    });
  }
}
