/**
 * The gateway's gRPC service, `spool.v1.TokenStream` (packages/protocol/src/proto), on
 * `SPOOL_GRPC_PORT` beside the HTTP server, on the same delivery engine and token log:
 *
 * - `Create`: `POST /v1/streams` (the same validation, `idempotency_key`, admission).
 * - `Read`: one stream from an offset to its end. What the client's HTTP/2 window has taken
 *   counts as acknowledged (plain SSE's rule), so a reader that stops reading costs the gateway
 *   its window. Ends with status OK after the `end` chunk.
 * - `Connect`: the WebSocket protocol's frames over one bidirectional stream
 *   (grpc-connection.ts).
 *
 * Failures are gRPC statuses with Spool's code in the `spool-code` trailer; a client deadline
 * or cancel stops the delivery. Every call counts toward `SPOOL_MAX_CONNECTIONS` and ends with
 * UNAVAILABLE (`draining`) when the gateway drains, so clients resume on another gateway.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { jobFromCreateBody } from '@spool/generation-queue';
import type {
  ClientFrame__Output,
  CreateRequest__Output,
  CreateResponse,
  ReadRequest__Output,
  ServerFrame,
} from '@spool/grpc';
import { loadTokenStreamProto } from '@spool/grpc';
import { createStreamBodySchema, EPOCH_PATTERN, isStreamId, SpoolError } from '@spool/protocol';
import { credentialOf } from '../auth/access-control.ts';
import type { GatewayContext } from '../context.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { ClientGone, reportFailure } from '../delivery/delivery-failure.ts';
import { runDelivery } from '../delivery/delivery-runner.ts';
import { deliveryStart } from '../delivery/delivery-start.ts';
import { parseInput } from '../http/request-input.ts';
import { createBodyFields, createStream } from '../streams/create-stream.ts';
import { GrpcConnection } from './grpc-connection.ts';
import { grpcStatus, subscribedFrame } from './grpc-frames.ts';
import { GrpcSink } from './grpc-sink.ts';

export interface GrpcServer {
  port: number;
  /** Stops taking calls; `abrupt` cuts open ones, else waits for them (drain ended them). */
  close(abrupt: boolean): Promise<void>;
}

export async function startGrpcServer(
  context: GatewayContext,
  listen: { host: string; port: number },
): Promise<GrpcServer> {
  const proto = loadTokenStreamProto();
  const server = new Server({ 'grpc.max_receive_message_length': context.config.maxBodyBytes });
  server.addService(proto.spool.v1.TokenStream.service, {
    Create: (
      call: ServerUnaryCall<CreateRequest__Output, CreateResponse>,
      done: sendUnaryData<CreateResponse>,
    ) => {
      create(context, call).then(
        (answer) => done(null, answer),
        (error: unknown) => done(failure(context, error, undefined) ?? null),
      );
    },
    Read: (call: ServerWritableStream<ReadRequest__Output, ServerFrame>) => read(context, call),
    Connect: (call: ServerDuplexStream<ClientFrame__Output, ServerFrame>) => connect(context, call),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${listen.host}:${listen.port}`,
      ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  return {
    port,
    close: (abrupt) =>
      new Promise((resolve) => {
        if (abrupt) {
          server.forceShutdown();
          resolve();
        } else server.tryShutdown(() => resolve());
      }),
  };
}

async function create(
  context: GatewayContext,
  call: ServerUnaryCall<CreateRequest__Output, CreateResponse>,
): Promise<CreateResponse> {
  const request = call.request;
  const key = context.access.requireKey(credentialOfCall(call));
  const body = parseInput(createStreamBodySchema, createBody(request), 'body');
  const stream = await createStream(context, {
    request: body,
    idempotencyKey: request.idempotency_key === '' ? undefined : request.idempotency_key,
    fields: createBodyFields(body),
    job: (id) => jobFromCreateBody(id, body),
    key,
  });
  if (stream.readToken !== undefined) {
    const metadata = new Metadata();
    metadata.set(READ_TOKEN_METADATA, stream.readToken);
    call.sendMetadata(metadata);
  }
  return { id: stream.id, status: stream.status };
}

/** The read token of a created stream travels in the answer's metadata (the proto has no field). */
const READ_TOKEN_METADATA = 'x-spool-read-token';

/** The credential of a call's `authorization` metadata (`Bearer <key or token>`), if any. */
function credentialOfCall(call: { metadata: Metadata }): string | undefined {
  const [value] = call.metadata.get('authorization');
  if (value === undefined) return undefined;
  return credentialOf(typeof value === 'string' ? value : value.toString('utf8'), undefined);
}

/** The request as `POST /v1/streams`' body: proto3's empty values are "not given". */
function createBody(request: CreateRequest__Output): Record<string, unknown> {
  return {
    ...(request.prompt === '' ? {} : { prompt: request.prompt }),
    ...(request.messages.length === 0 ? {} : { messages: request.messages }),
    ...(request.model === '' ? {} : { model: request.model }),
    ...(request.params === null ? {} : { params: structValue(request.params) }),
  };
}

/** A decoded `google.protobuf.Struct` as the plain object it stands for. */
function structValue(struct: unknown): unknown {
  const fields = (struct as { fields?: Record<string, unknown> }).fields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, plainValue(value)]));
}

function plainValue(value: unknown): unknown {
  const typed = value as {
    kind?: string;
    numberValue?: number;
    stringValue?: string;
    boolValue?: boolean;
    structValue?: unknown;
    listValue?: { values?: unknown[] };
  };
  switch (typed.kind) {
    case 'numberValue':
      return typed.numberValue;
    case 'stringValue':
      return typed.stringValue;
    case 'boolValue':
      return typed.boolValue;
    case 'structValue':
      return structValue(typed.structValue);
    case 'listValue':
      return (typed.listValue?.values ?? []).map(plainValue);
    default:
      return null;
  }
}

async function read(
  context: GatewayContext,
  call: ServerWritableStream<ReadRequest__Output, ServerFrame>,
) {
  const { config, metrics } = context;
  const labels = { transport: 'grpc' } as const;
  const request = call.request;
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort(new ClientGone()));
  const unregister = context.deliveries.add({ close: (reason) => controller.abort(reason) });
  metrics.connections.inc(labels);
  let release: (() => void) | undefined;
  try {
    context.admission.checkConnection(context.deliveries.size - 1);
    if (!isStreamId(request.stream)) {
      throw new SpoolError('invalid_stream_id', `Not a stream id: ${request.stream}`);
    }
    const chunking = request.chunking === '' ? undefined : request.chunking;
    if (chunking !== undefined && chunking !== 'token' && chunking !== 'adaptive') {
      throw new SpoolError('invalid_request', 'chunking: expected token or adaptive');
    }
    const epoch = request.epoch === '' ? undefined : request.epoch;
    if (epoch !== undefined && !EPOCH_PATTERN.test(epoch)) {
      throw new SpoolError('invalid_request', 'epoch: expected 1–64 URL-safe characters');
    }
    const grant = await context.access.authorizeRead(request.stream, credentialOfCall(call));
    if (grant.keyId !== undefined) release = await context.quotas.openConnection(grant.keyId);
    const start = await deliveryStart(context, request.stream, {
      kind: 'offset',
      from: request.from,
      epoch,
    });
    const bytesSent = metrics.bytesSent.labels(labels);
    const sink = new GrpcSink(call, (bytes) => bytesSent.inc(bytes));
    sink.write(
      subscribedFrame({
        stream: request.stream,
        from: start.from,
        subscription: undefined,
        complete: start.complete,
        epoch: start.epoch,
      }),
    );
    if (start.complete) return void call.end();
    const outcome = await runDelivery(context, {
      transport: 'grpc',
      streamId: request.stream,
      start,
      sink: {
        send: (chunk) => sink.sendChunk(request.stream, chunk),
        drained: (signal) => sink.drained(signal),
        bufferedBytes: () => sink.bufferedBytes(),
      },
      window: request.window === 0 ? config.window : Math.min(request.window, 65_536),
      chunking: chunkingPolicy(chunking, config.maxChunkItems),
      autoAck: true,
      signal: controller.signal,
    });
    if (outcome.ended) call.end();
    else if (outcome.error) call.emit('error', grpcStatus(outcome.error));
  } catch (error) {
    const spool = failure(context, error, request.stream);
    if (spool) call.emit('error', spool);
  } finally {
    release?.();
    unregister();
    metrics.connections.dec(labels);
  }
}

function connect(
  context: GatewayContext,
  call: ServerDuplexStream<ClientFrame__Output, ServerFrame>,
): void {
  const labels = { transport: 'grpc' } as const;
  let credential: string | undefined;
  try {
    context.admission.checkConnection(context.deliveries.size);
    credential = credentialOfCall(call);
    context.access.connectionGrant(credential);
  } catch (error) {
    const refused = failure(context, error, undefined);
    if (refused) call.emit('error', refused);
    return;
  }
  const bytesSent = context.metrics.bytesSent.labels(labels);
  let closed = false;
  const connection = new GrpcConnection({
    context,
    sink: new GrpcSink(call, (bytes) => bytesSent.inc(bytes)),
    open: () => !closed && call.writable,
    close: (reason) => close(reason, reason),
    credential,
  });
  const close = (reason: unknown, status?: SpoolError) => {
    if (closed) return;
    closed = true;
    connection.closeAll(reason);
    unregister();
    context.metrics.connections.dec(labels);
    if (status) call.emit('error', grpcStatus(status));
    else if (call.writable) call.end();
  };
  const unregister = context.deliveries.add({ close: (reason) => close(reason, reason) });
  context.metrics.connections.inc(labels);
  call.on('data', (frame: ClientFrame__Output) => connection.receive(frame));
  call.on('end', () => close(new ClientGone()));
  call.on('cancelled', () => close(new ClientGone()));
  call.on('error', () => close(new ClientGone()));
}

/** What to end a call with, or undefined when the client is gone (nobody to tell). */
function failure(context: GatewayContext, error: unknown, streamId: string | undefined) {
  const spool = reportFailure(context, { transport: 'grpc', reason: error, streamId });
  return spool === undefined ? undefined : grpcStatus(spool);
}
