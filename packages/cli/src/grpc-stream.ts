/**
 * `--transport grpc`: a stream read over the gateway's gRPC service (`TokenStream.Read`) with
 * the same promises the SDK keeps over WebSocket and SSE — every item once, in order, resumed
 * from the last offset (with the stream's epoch, so a Redis failure that rewrote what was printed
 * is a clear `stream_reset`) on the next target when a call fails retryably (the gateway died or
 * drains, a slow consumer, Redis away), a clear SpoolError otherwise.
 */
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  fromGrpcChunk,
  loadTokenStreamProto,
  type ServerFrame__Output,
  type TokenStreamClient,
} from '@spool/grpc';
import {
  type Chunk,
  chunkEnd,
  chunkStart,
  type ErrorCode,
  errorSpec,
  isErrorCode,
  SpoolError,
} from '@spool/protocol';

export interface GrpcOptions {
  /** `host:port` of gateways' gRPC services, tried in turn. */
  targets: string[];
  /** Tries after a retryable failure before giving up. */
  maxAttempts: number;
}

/** One client per target, made on first use. */
export class GrpcGateways {
  readonly #targets: string[];
  readonly #clients = new Map<string, TokenStreamClient>();
  readonly #proto = loadTokenStreamProto();
  readonly #credential: string | undefined;

  /** `credential`: an API key or read token, sent as `authorization: Bearer …` metadata. */
  constructor(targets: string[], credential?: string) {
    this.#targets = targets;
    this.#credential = credential;
  }

  /** The metadata of every call (the credential, when there is one). */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.#credential !== undefined) metadata.set('authorization', `Bearer ${this.#credential}`);
    return metadata;
  }

  client(index: number): { target: string; client: TokenStreamClient } {
    const target = this.#targets[index % this.#targets.length] as string;
    let client = this.#clients.get(target);
    if (!client) {
      client = new this.#proto.spool.v1.TokenStream(target, credentials.createInsecure());
      this.#clients.set(target, client);
    }
    return { target, client };
  }

  /** `Create` on the first target that answers. */
  async create(request: {
    prompt: string;
    model?: string | undefined;
    params: Record<string, number | boolean>;
  }): Promise<string> {
    let last: unknown;
    for (let index = 0; index < this.#targets.length; index++) {
      try {
        return await new Promise<string>((resolve, reject) =>
          this.client(index).client.Create(
            { prompt: request.prompt, model: request.model ?? '', params: struct(request.params) },
            this.metadata(),
            (error, answer) => (error ? reject(error) : resolve(answer?.id ?? '')),
          ),
        );
      } catch (error) {
        last = toSpoolError(error as ServiceError);
        if (!retryable(error as ServiceError)) throw last;
      }
    }
    throw last;
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
  }
}

/** A stream read over gRPC: an async iterable of chunks, resumed across targets. */
export class GrpcStream implements AsyncIterable<Chunk> {
  readonly transport = 'grpc';
  #offset: number;
  #epoch = '';
  #gateway: string | undefined;
  readonly #gateways: GrpcGateways;
  readonly #id: string;
  readonly #maxAttempts: number;

  constructor(gateways: GrpcGateways, id: string, from: number, maxAttempts: number) {
    this.#gateways = gateways;
    this.#id = id;
    this.#offset = from;
    this.#maxAttempts = maxAttempts;
  }

  get offset(): number {
    return this.#offset;
  }

  get gateway(): string | undefined {
    return this.#gateway;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    for (let attempt = 0; ; attempt++) {
      const { target, client } = this.#gateways.client(attempt);
      this.#gateway = target;
      const call = client.Read(
        { stream: this.#id, from: this.#offset, epoch: this.#epoch },
        this.#gateways.metadata(),
      );
      try {
        for await (const frame of call as AsyncIterable<ServerFrame__Output>) {
          if (frame.subscribed) this.#epoch = frame.subscribed.epoch;
          const chunk = frame.chunk && fromGrpcChunk(frame.chunk);
          if (!chunk || chunkStart(chunk) < this.#offset) continue;
          this.#offset = chunkEnd(chunk);
          attempt = 0;
          yield chunk;
          if (chunk.kind === 'control' && chunk.item.type === 'end') return;
        }
        return; // the call ended at the end of the stream
      } catch (error) {
        const spool = toSpoolError(error as ServiceError);
        if (!retryable(error as ServiceError) || attempt + 1 >= this.#maxAttempts) throw spool;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
      } finally {
        call.cancel();
      }
    }
  }
}

function spoolCodeOf(error: ServiceError): ErrorCode | undefined {
  const code = error.metadata?.get('spool-code')[0];
  return isErrorCode(code) ? code : undefined;
}

/** Worth another try on another gateway: the code says so, or no gateway answered at all. */
function retryable(error: ServiceError): boolean {
  const code = spoolCodeOf(error);
  return code === undefined ? error.code === status.UNAVAILABLE : errorSpec(code).retryable;
}

/** The call's failure as Spool's error: its `spool-code` trailer, else what the status says. */
function toSpoolError(error: ServiceError): SpoolError {
  const code = spoolCodeOf(error);
  if (code !== undefined) return new SpoolError(code, error.details);
  if (error.code === status.UNAVAILABLE) {
    return new SpoolError(
      'unreachable',
      `no gateway answered (gRPC UNAVAILABLE): ${error.details}`,
    );
  }
  return new SpoolError(
    'internal',
    `the call failed (gRPC status ${error.code}): ${error.details}`,
  );
}

function struct(values: Record<string, number | boolean>) {
  return {
    fields: Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        typeof value === 'number' ? { numberValue: value } : { boolValue: value },
      ]),
    ),
  };
}
