/**
 * A gRPC reader of one Spool stream: `TokenStream.Read` from an offset with a window, the
 * official grpc-js client. What HTTP/2 took counts as acknowledged (the gateway's rule for
 * `Read`), so `ack` does nothing and `pause` stops taking messages. Control chunks are turned
 * back into the items they carry, whose fields are spelled as the other transports spell them.
 * Wire bytes are the frames' protobuf sizes plus gRPC's 5-byte prefix and HTTP/2's 9-byte
 * DATA frame header (HEADERS frames are left out).
 */
import { credentials, type ServiceError } from '@grpc/grpc-js';
import {
  loadTokenStreamProto,
  type ServerFrame__Output,
  type TokenStreamClient,
} from '@spool/grpc';
import { type ControlItem, controlFields } from '@spool/protocol';
import type { Link, LinkHandlers } from './link.ts';

export interface GrpcLinkOptions {
  /** `host:port` of the gateway's gRPC service. */
  target: string;
  streamId: string;
  from: number;
  window: number;
  handlers: LinkHandlers;
}

const FRAMING_BYTES = 5 + 9;
const proto = loadTokenStreamProto();
const serialize = proto.spool.v1.TokenStream.service.Read.responseSerialize;
/** One client (one HTTP/2 connection) per gateway per process, as a gRPC app would have. */
const clients = new Map<string, TokenStreamClient>();

function clientFor(target: string): TokenStreamClient {
  let client = clients.get(target);
  if (!client) {
    client = new proto.spool.v1.TokenStream(target, credentials.createInsecure());
    clients.set(target, client);
  }
  return client;
}

export function openGrpcLink(options: GrpcLinkOptions): Link {
  const { handlers } = options;
  let bytes = 0;
  let closed = false;
  const finish = (detail: string) => {
    if (closed) return;
    closed = true;
    handlers.closed(detail);
  };
  const call = clientFor(options.target).Read({
    stream: options.streamId,
    from: options.from,
    window: options.window,
  });
  call.on('data', (frame: ServerFrame__Output) => {
    bytes += serialize(frame).length + FRAMING_BYTES;
    const chunk = frame.chunk;
    if (!chunk) return;
    if (chunk.tokens) {
      handlers.tokens(chunk.from, chunk.to, chunk.tokens.text);
      return;
    }
    const item = controlItem(chunk);
    if (item) handlers.control(item.type, controlFields(item));
  });
  call.on('error', (error: ServiceError) => {
    const code = error.metadata?.get('spool-code')[0];
    if (code !== undefined) handlers.protocolError(String(code), error.details);
    finish(`grpc status ${error.code}`);
  });
  call.on('end', () => finish('ended'));
  return {
    ack: () => {},
    pause: () => call.pause(),
    resume: () => call.resume(),
    close: () => call.cancel(),
    abort: () => call.cancel(),
    bytes: () => bytes,
  };
}

function controlItem(chunk: NonNullable<ServerFrame__Output['chunk']>): ControlItem | undefined {
  const offset = chunk.from;
  if (chunk.block_start) {
    const { block, kind, tool } = chunk.block_start;
    const base = { type: 'block_start' as const, offset, block, kind: kind as never };
    return tool ? { ...base, tool: { id: tool.id, name: tool.name } } : base;
  }
  if (chunk.block_end) return { type: 'block_end', offset, block: chunk.block_end.block };
  if (chunk.usage) return { type: 'usage', offset, ...chunk.usage };
  if (chunk.error) {
    return { type: 'error', offset, code: chunk.error.code as never, message: chunk.error.message };
  }
  if (chunk.end) return { type: 'end', offset, finish_reason: chunk.end.finish_reason as never };
  return undefined;
}
