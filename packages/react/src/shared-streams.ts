/**
 * One underlying `SpoolStream` per stream id per client, whatever the number of components that
 * show it: components acquire an entry and release it; the last release closes the stream after
 * `LINGER_MS`, so React StrictMode's mount → unmount → mount (and a component that moves in the
 * tree) keeps the one connection instead of opening a second.
 *
 * An entry folds the chunks into a `StreamView` (text per block, status, error) that it replaces
 * on every change, so `useSyncExternalStore` can compare views by identity.
 */
import {
  type BlockState,
  type Chunk,
  MessageState,
  type SpoolClient,
  SpoolError,
  type SpoolStream,
  type StreamOptions,
} from '@spool/client';
import { isErrorCode } from '@spool/protocol';

/** How long a stream nobody shows stays open, for a component that takes it again at once. */
export const LINGER_MS = 1_000;

export type StreamStatus = 'connecting' | 'streaming' | 'done' | 'cancelled' | 'failed';

/** What a component shows of a stream. Replaced, never mutated. */
export interface StreamView {
  id: string;
  status: StreamStatus;
  /** The text of the text blocks, in order. */
  text: string;
  /** Every block seen, in order of appearance (text, reasoning, tool calls). */
  blocks: readonly BlockState[];
  /**
   * Why the stream failed: the SDK's error (status `failed`, `resume()` may help when it is
   * retryable) or the stream's own `error` item (`finish_reason: error`).
   */
  error: SpoolError | undefined;
  finishReason: string | undefined;
  /** Offset after the last item shown. */
  offset: number;
  connected: boolean;
  reconnects: number;
}

export class SharedStream {
  readonly id: string;
  readonly #client: SpoolClient;
  readonly #options: StreamOptions;
  readonly #listeners = new Set<() => void>();
  #stream: SpoolStream | undefined;
  #message = new MessageState();
  #view: StreamView;
  #offs: (() => void)[] = [];
  #reconnects = 0;

  constructor(client: SpoolClient, id: string, options: StreamOptions) {
    this.#client = client;
    this.#options = options;
    this.id = id;
    this.#view = {
      id,
      status: 'connecting',
      text: '',
      blocks: [],
      error: undefined,
      finishReason: undefined,
      offset: options.from ?? 0,
      connected: false,
      reconnects: 0,
    };
  }

  get view(): StreamView {
    return this.#view;
  }

  get open(): boolean {
    return this.#stream !== undefined;
  }

  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the stream (once; `resume()` opens it again after a failure). */
  start(): void {
    if (this.#stream === undefined && this.#view.status === 'connecting') this.#open(this.#options);
  }

  /** After a failure: read on from the offset shown, keeping the text. */
  resume(): void {
    if (this.#view.status !== 'failed' || this.#view.finishReason !== undefined) return;
    const { offset } = this.#view;
    const epoch = this.#stream?.epoch;
    this.#detach();
    this.#update({ status: 'connecting', error: undefined });
    this.#open({ ...this.#options, from: offset, ...(epoch === undefined ? {} : { epoch }) });
  }

  /** Stops the generation; the stream still ends, `cancelled`. */
  cancel(): Promise<void> {
    return this.#client.cancel(this.id).then(() => undefined);
  }

  /** Cuts the current connection as a network failure would; the stream resumes by itself. */
  drop(): void {
    this.#stream?.drop();
  }

  close(): void {
    this.#detach();
    this.#listeners.clear();
  }

  #open(options: StreamOptions): void {
    const stream = this.#client.stream(this.id, options);
    this.#stream = stream;
    this.#offs = [
      stream.on('chunk', (chunk) => this.#apply(chunk, stream)),
      stream.on('reset', () => {
        this.#message = new MessageState();
        this.#update({ text: '', blocks: [], offset: 0 });
      }),
      stream.on('end', (finishReason) =>
        this.#update({
          status:
            finishReason === 'cancelled'
              ? 'cancelled'
              : finishReason === 'error'
                ? 'failed'
                : 'done',
          finishReason,
          connected: false,
        }),
      ),
      stream.on('error', (error) => this.#update({ status: 'failed', error, connected: false })),
      stream.on('state', (state) => {
        // Reconnects of every stream this entry opened (a resume opens another).
        const reconnects = this.#reconnects + state.reconnects;
        this.#update({ connected: state.connected, reconnects });
      }),
    ];
  }

  #apply(chunk: Chunk, stream: SpoolStream): void {
    this.#message.apply(chunk);
    const change: Partial<StreamView> = {
      text: this.#message.text,
      blocks: this.#message.blocks,
      offset: stream.offset,
    };
    if (this.#view.status === 'connecting') change.status = 'streaming';
    if (chunk.kind === 'control' && chunk.item.type === 'error') {
      const { code, message } = chunk.item;
      change.error = isErrorCode(code)
        ? new SpoolError(code, message)
        : new SpoolError('internal', message, { details: { code } });
    }
    this.#update(change);
  }

  #detach(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#reconnects = this.#view.reconnects;
    this.#stream?.close();
    this.#stream = undefined;
  }

  #update(change: Partial<StreamView>): void {
    this.#view = { ...this.#view, ...change };
    for (const listener of [...this.#listeners]) listener();
  }
}

/** The shared streams of one client. */
export class SharedStreams {
  readonly #client: SpoolClient;
  readonly #entries = new Map<string, { stream: SharedStream; users: number; timer?: Timer }>();

  constructor(client: SpoolClient) {
    this.#client = client;
  }

  /** The entry of `id`, created (not opened) if new: what a render reads before it subscribes. */
  peek(id: string, options: StreamOptions = {}): SharedStream {
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = { stream: new SharedStream(this.#client, id, options), users: 0 };
      this.#entries.set(id, entry);
      // An entry that no component acquires (a render that was thrown away) goes away too.
      this.#scheduleClose(id);
    }
    return entry.stream;
  }

  /** A component shows `id`: the stream opens if it is not open. */
  acquire(id: string, options: StreamOptions = {}): SharedStream {
    const stream = this.peek(id, options);
    const entry = this.#entries.get(id);
    if (entry === undefined) return stream;
    entry.users += 1;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    stream.start();
    return stream;
  }

  release(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    entry.users = Math.max(0, entry.users - 1);
    if (entry.users === 0) this.#scheduleClose(id);
  }

  /** Open underlying streams (for tests and diagnostics). */
  get openStreams(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.stream.open) count += 1;
    return count;
  }

  #scheduleClose(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (entry.users > 0 || this.#entries.get(id) !== entry) return;
      this.#entries.delete(id);
      entry.stream.close();
    }, LINGER_MS);
  }
}

type Timer = ReturnType<typeof setTimeout>;

const registries = new WeakMap<SpoolClient, SharedStreams>();

/** The shared streams of `client` (one registry per client). */
export function sharedStreams(client: SpoolClient): SharedStreams {
  let registry = registries.get(client);
  if (registry === undefined) {
    registry = new SharedStreams(client);
    registries.set(client, registry);
  }
  return registry;
}
