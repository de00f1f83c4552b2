/**
 * @spool/client: read Spool streams from browsers and Node ≥ 20, over WebSocket or SSE, with
 * resume by offset across gateways and a lossless, bounded buffer.
 */
export type {
  BlockKind,
  Chunk,
  Chunking,
  ControlChunk,
  CreateStreamAnswer as CreatedStream,
  ErrorCode,
  Item,
  ItemsPage,
  StreamMetadata as StreamMeta,
  TokensChunk,
} from '@spool/protocol';
export { chunkEnd, chunkStart, isSpoolError, SpoolError } from '@spool/protocol';
export { type BlockState, MessageState } from './message-state.ts';
export type {
  ReconnectOptions,
  SpoolClientOptions,
  StreamOptions,
  TransportName,
} from './options.ts';
export { type CreateStreamRequest, SpoolClient } from './spool-client.ts';
export { SpoolStream } from './spool-stream.ts';
export type { StreamState } from './stream-state.ts';
