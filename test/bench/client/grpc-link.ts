/**
 * A gRPC reader of one Spool stream: `TokenStream.Read` from an offset with a window, the
 * official grpc-js client. What HTTP/2 took counts as acknowledged (the gateway's rule for
 * `Read`), so `ack` does nothing and `pause` stops taking messages. Control items' fields are
 * spelled as the other transports spell them.
 * Wire bytes are the frames' protobuf sizes plus gRPC's 5-byte prefix and HTTP/2's 9-byte
 * DATA frame header (HEADERS frames are left out).
 */
import { credentials, type ServiceError } from '@grpc/grpc-js';
import {
  fromGrpcChunk,
  loadTokenStreamProto,
  type ServerFrame__Output,
  type TokenStreamClient,
} from '@spool/grpc';
import { controlFields } from '@spool/protocol';
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
    const chunk = frame.chunk && fromGrpcChunk(frame.chunk);
    if (!chunk) return;
    if (chunk.kind === 'tokens') handlers.tokens(chunk.from, chunk.to, chunk.text);
    else handlers.control(chunk.item.type, controlFields(chunk.item));
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
