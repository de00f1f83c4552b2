/**
 * Spool's frames in the gRPC service's messages (packages/protocol/src/proto): chunks, the
 * `subscribed` answer, errors; client frames into Spool's own `ClientFrame`, checked by the
 * same validation as WebSocket frames; Spool error codes as gRPC statuses. Pure.
 */
import { Metadata, status } from '@grpc/grpc-js';
import { type ClientFrame__Output, type ServerFrame, toGrpcChunk } from '@spool/grpc';
import {
  type Chunk,
  type ClientFrameResult,
  errorSpec,
  isErrorCode,
  type ProtocolError,
  type SpoolError,
  validateClientFrame,
} from '@spool/protocol';

export function chunkFrame(stream: string, chunk: Chunk): ServerFrame {
  return { chunk: toGrpcChunk(stream, chunk) };
}

export function subscribedFrame(subscribed: {
  stream: string;
  from: number;
  subscription: string | undefined;
  complete: boolean;
  epoch: string;
}): ServerFrame {
  return { subscribed: { ...subscribed, subscription: subscribed.subscription ?? '' } };
}

export function errorFrame(error: ProtocolError): ServerFrame {
  return { error: { code: error.code, message: error.message, stream: error.stream ?? '' } };
}

/**
 * A gRPC client frame as Spool's, validated as a WebSocket frame is. Proto3 has no "absent":
 * an empty string, a zero window and a zero `from` beside a subscription count as not given.
 */
export function clientFrameOf(frame: ClientFrame__Output): ClientFrameResult {
  return validateClientFrame(plainFrame(frame));
}

function plainFrame(frame: ClientFrame__Output): Record<string, unknown> {
  const given = <Value>(value: Value, empty: Value) => (value === empty ? undefined : value);
  switch (frame.frame) {
    case 'subscribe': {
      const subscribe = frame.subscribe;
      const subscription = given(subscribe?.subscription, '');
      const epoch = given(subscribe?.epoch, '');
      return {
        type: 'subscribe',
        stream: subscribe?.stream,
        ...(subscription === undefined
          ? { from: subscribe?.from ?? 0, ...(epoch === undefined ? {} : { epoch }) }
          : { subscription }),
        window: given(subscribe?.window, 0),
        chunking: given(subscribe?.chunking, ''),
      };
    }
    case 'ack':
      return { type: 'ack', stream: frame.ack?.stream, offset: frame.ack?.offset };
    case 'resend': {
      const resend = frame.resend;
      if (resend?.block != null)
        return { type: 'resend', stream: resend.stream, block: resend.block };
      return { type: 'resend', stream: resend?.stream, from: resend?.from, to: resend?.to };
    }
    case 'unsubscribe':
      return { type: 'unsubscribe', stream: frame.unsubscribe?.stream };
    case 'cancel':
      return { type: 'cancel', stream: frame.cancel?.stream };
    default:
      return { type: undefined };
  }
}

/** The gRPC status of a Spool error; its code travels in the `spool-code` trailer. */
export function grpcStatus(error: SpoolError): {
  code: status;
  details: string;
  metadata: Metadata;
} {
  const metadata = new Metadata();
  metadata.set('spool-code', error.code);
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') metadata.set('retry-after', String(retryAfter));
  return { code: statusCode(error), details: error.message, metadata };
}

function statusCode(error: SpoolError): status {
  switch (error.code) {
    case 'unauthorized':
      return status.UNAUTHENTICATED;
    case 'forbidden':
      return status.PERMISSION_DENIED;
    case 'over_capacity':
    case 'quota_exceeded':
    case 'slow_consumer':
    case 'too_many_subscriptions':
    case 'stream_full':
      return status.RESOURCE_EXHAUSTED;
    case 'draining':
    case 'redis_unavailable':
      return status.UNAVAILABLE;
    case 'upstream_timeout':
    case 'generation_timeout':
      return status.DEADLINE_EXCEEDED;
    case 'stream_expired':
    case 'offset_expired':
    case 'offset_out_of_range':
      return status.OUT_OF_RANGE;
    case 'data_loss':
      return status.DATA_LOSS;
    default:
      break;
  }
  const http = isErrorCode(error.code) ? errorSpec(error.code).status : 500;
  if (http === 404) return status.NOT_FOUND;
  if (http === 409) return status.FAILED_PRECONDITION;
  if (http >= 400 && http < 500) return status.INVALID_ARGUMENT;
  return status.INTERNAL;
}
