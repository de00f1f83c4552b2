/**
 * What a stream needs from its client: options, the shared sockets, the choice of transport
 * and a few HTTP calls. An interface, so the stream does not depend on the client class.
 */
import type { SpoolError } from '@spool/protocol';
import type { ResolvedClientOptions, TransportName } from './options.ts';
import type { WsSocket } from './ws-socket.ts';

export interface StreamHost {
  readonly options: ResolvedClientOptions;
  /** The transport for a new connection; `fallback`: this stream already fell back to SSE. */
  transport(fallback: boolean): TransportName | SpoolError;
  /** A WebSocket could not open where SSE could: use SSE for new streams for a while. */
  webSocketBlocked(): void;
  /** The client's socket to this gateway, opened if need be. */
  socket(gateway: string): WsSocket;
  /** Acknowledges a subscription durably (`POST …/subscriptions/:sub/ack`). */
  acknowledge(input: {
    gateway: number;
    stream: string;
    subscription: string;
    offset: number;
    attempts: number;
  }): Promise<void>;
  /** The finish reason of an ended stream, from its metadata. */
  finishReason(stream: string): Promise<string>;
  cancel(stream: string): Promise<void>;
  /** The stream is finished: the client stops tracking it. */
  forget(stream: object): void;
}
