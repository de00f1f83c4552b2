/**
 * A `ChatTransport` for the AI SDK's `useChat` that reads answers through `@spool/client`:
 *
 * - `sendMessages` asks the gateway's chat route (`POST /v1/ai-sdk/chat`) to start the
 *   generation, with `Accept: application/json`, so the gateway answers the stream's id instead of
 *   the stream; the answer is then read over Spool's multiplexed WebSocket (or SSE) with windows
 *   and acks, and resumed by offset, invisibly, across drops and gateways. Its items become the
 *   UI message chunks the gateway's own answers carry (`@spool/protocol` ui-message-stream.ts).
 * - The abort signal (`useChat`'s `stop()`) cancels the generation (`POST …/cancel`), unless
 *   `cancelOnStop: false`: a stop is then a disconnect, as with the stock transports.
 * - `reconnectToStream` (`useChat({ resume: true })` on mount) asks which stream the chat has
 *   running and reads it from its start (the SDK rebuilds the message, keeping its id); `null`
 *   when the chat has none.
 */
import { SpoolClient, type SpoolClientOptions } from '@spool/client';
import { uiChunksOfChunk, uiMessageEncoderState } from '@spool/protocol';
import type { ChatRequestOptions, ChatTransport, UIMessage, UIMessageChunk } from 'ai';

export interface SpoolChatTransportOptions {
  /** The gateway (or the list of gateways) to use, as `SpoolClient` takes it. */
  baseUrl: string | string[];
  /** With access control on: the API key (`Authorization: Bearer`). */
  apiKey?: string;
  /** Fields sent with every message (the gateway reads `model` and `params`). */
  body?: Record<string, unknown>;
  /** Headers sent with every chat request. */
  headers?: Record<string, string>;
  /** `stop()` cancels the generation (default); `false`: it only stops reading. */
  cancelOnStop?: boolean;
  /** More options of the underlying client (transport, reconnect, high-water mark, fetch). */
  client?: Omit<SpoolClientOptions, 'baseUrl' | 'apiKey'>;
}

type SendOptions<Message extends UIMessage> = Parameters<ChatTransport<Message>['sendMessages']>[0];

export class SpoolChatTransport<Message extends UIMessage = UIMessage>
  implements ChatTransport<Message>
{
  readonly #options: SpoolChatTransportOptions;
  readonly #client: SpoolClient;
  readonly #api: string;
  readonly #fetch: typeof fetch;

  constructor(options: SpoolChatTransportOptions) {
    this.#options = options;
    this.#client = new SpoolClient({
      ...options.client,
      baseUrl: options.baseUrl,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    });
    const first = Array.isArray(options.baseUrl) ? options.baseUrl[0] : options.baseUrl;
    this.#api = `${(first ?? '').replace(/\/+$/, '')}/v1/ai-sdk/chat`;
    this.#fetch = options.client?.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async sendMessages(options: SendOptions<Message>): Promise<ReadableStream<UIMessageChunk>> {
    const response = await this.#request(this.#api, options, {
      method: 'POST',
      body: JSON.stringify({
        ...this.#options.body,
        ...(options.body as Record<string, unknown> | undefined),
        id: options.chatId,
        messages: options.messages,
        trigger: options.trigger,
        messageId: options.messageId,
      }),
    });
    const created = (await response.json()) as { id: string; read_token?: string };
    return this.#read(created.id, created.read_token, options.abortSignal);
  }

  async reconnectToStream(
    options: { chatId: string } & ChatRequestOptions,
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const url = `${this.#api}/${encodeURIComponent(options.chatId)}/stream`;
    const response = await this.#request(url, options, { method: 'GET' });
    if (response.status === 204) return null;
    const { id } = (await response.json()) as { id: string };
    return this.#read(id, undefined, undefined);
  }

  /** Lets go of the client's connections. */
  close(): void {
    this.#client.close();
  }

  async #request(url: string, options: ChatRequestOptions, init: RequestInit): Promise<Response> {
    const response = await this.#fetch(url, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#options.apiKey === undefined
          ? {}
          : { authorization: `Bearer ${this.#options.apiKey}` }),
        ...this.#options.headers,
        ...(options.headers as Record<string, string> | undefined),
      },
    });
    // The stock transports throw the body's text for a refused request; so does this one.
    if (!response.ok) throw new Error(await response.text());
    return response;
  }

  /** The stream's chunks as the AI SDK's, from its start; `signal` is `stop()`. */
  #read(
    streamId: string,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): ReadableStream<UIMessageChunk> {
    const reading = new AbortController();
    const stream = this.#client.stream(streamId, {
      signal: reading.signal,
      ...(token === undefined ? {} : { token }),
    });
    const chunks = stream[Symbol.asyncIterator]();
    const state = uiMessageEncoderState({ streamId });
    const stopped = () => {
      if (this.#options.cancelOnStop !== false) void this.#client.cancel(streamId).catch(() => {});
      reading.abort(signal?.reason);
    };
    signal?.addEventListener('abort', stopped, { once: true });
    return new ReadableStream<UIMessageChunk>({
      async pull(controller) {
        try {
          // At least one chunk per pull (a `usage` item makes none), or the reader would wait.
          for (;;) {
            const next = await chunks.next();
            if (next.done) {
              signal?.removeEventListener('abort', stopped);
              // A stopped answer ends as the stock transports' aborted fetch does.
              if (signal?.aborted) controller.error(abortError());
              else controller.close();
              return;
            }
            const made = uiChunksOfChunk(state, next.value);
            for (const chunk of made) controller.enqueue(chunk as UIMessageChunk);
            if (made.length > 0) return;
          }
        } catch (error) {
          signal?.removeEventListener('abort', stopped);
          controller.error(signal?.aborted ? abortError() : error);
        }
      },
      cancel() {
        signal?.removeEventListener('abort', stopped);
        reading.abort();
      },
    });
  }
}

function abortError(): DOMException {
  return new DOMException('The answer was stopped.', 'AbortError');
}
