/**
 * The stream routes of SPEC section 3: create (with `Idempotency-Key`), metadata, catch-up
 * reads (whole stream or one block) and cancel. Errors are thrown as SpoolErrors; the error
 * handler turns them into `{ error: { code, message } }` with the code's status.
 */
import { createHash, createHmac } from 'node:crypto';
import { type GenerationJob, jobFromCreateBody } from '@spool/generation-queue';
import {
  type CreateStreamBody,
  createStreamBodySchema,
  type Item,
  isSpoolError,
  itemsQuerySchema,
  SpoolError,
  type StreamStatus,
} from '@spool/protocol';
import { newStreamId, type StreamMeta, type TokenLog } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../app.ts';
import { readBlock } from '../delivery/read-block.ts';
import {
  parseInput,
  parseStreamId,
  registerWithLenientJson,
  type StreamParams,
  urlsFor,
} from './stream-params.ts';

/** Visible ASCII, 1–255 characters: what an `Idempotency-Key` may be. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Length of the base64url part of a stream id derived from an `Idempotency-Key` (132 bits). */
const DERIVED_ID_LENGTH = 22;

type StreamRequest = FastifyRequest<{ Params: StreamParams }>;

interface ItemsPage {
  items: Item[];
  next: number;
  done: boolean;
}

export function registerStreamRoutes(app: FastifyInstance): void {
  registerWithLenientJson(app, (scope) => {
    scope.post('/v1/streams', postStream);
    scope.get('/v1/streams/:id', getStream);
    scope.get('/v1/streams/:id/items', getItems);
    scope.post('/v1/streams/:id/cancel', cancelStream);
  });
}

async function postStream(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = parseInput(createStreamBodySchema, request.body, 'body');
  const stream = await createStream(context, {
    request: body,
    idempotencyKey: request.headers['idempotency-key'],
    fields: streamFields(body),
    job: (id) => jobFromCreateBody(id, body),
  });
  return reply.code(stream.created ? 201 : 200).send({
    id: stream.id,
    status: stream.status,
    urls: urlsFor(context.config.publicUrl, stream.id),
  });
}

export interface CreateStreamInput {
  /** The validated request: a repeat of its `Idempotency-Key` with another one is a conflict. */
  request: unknown;
  /** The `Idempotency-Key` header, as received. */
  idempotencyKey: string | string[] | undefined;
  /** String fields kept in the stream's metadata (model, metadata, …). */
  fields: Record<string, string>;
  /** The generation job of the stream with this id. */
  job: (streamId: string) => GenerationJob;
}

export interface CreatedStream {
  id: string;
  /** False for a repeat with the same `Idempotency-Key`: the stream existed. */
  created: boolean;
  status: StreamStatus;
}

/**
 * Creates a stream and enqueues its generation, for every route that starts one: honours
 * `Idempotency-Key` (400 when malformed, the same stream on a repeat, 409 with another
 * request) and admission (429 `over_capacity`), both before anything is stored.
 */
export async function createStream(
  context: Pick<GatewayContext, 'log' | 'queue' | 'admission' | 'config'>,
  input: CreateStreamInput,
): Promise<CreatedStream> {
  const { log, queue, admission, config } = context;
  const key = idempotencyKey(input.idempotencyKey);
  await admission.checkCreate();
  const id = key === undefined ? newStreamId() : derivedStreamId(config.idSecret, key);
  const created = await createOrConflict(log, {
    id,
    requestHash: sha256(canonicalJson(input.request)),
    fields: input.fields,
  });
  // Also on a repeat: enqueueing is idempotent by job id, and it repairs a create whose
  // process died between storing the stream and enqueueing its generation.
  await queue.enqueue(input.job(id));
  return { id, created: created.created, status: created.status };
}

async function getStream(request: StreamRequest) {
  const meta = await request.server.spool.log.meta(parseStreamId(request.params));
  return describeStream(meta);
}

async function getItems(request: StreamRequest): Promise<ItemsPage> {
  const { log } = request.server.spool;
  const id = parseStreamId(request.params);
  const query = parseInput(itemsQuerySchema, request.query, 'query');
  if (query.block !== undefined) {
    return readBlock({
      log,
      streamId: id,
      block: query.block,
      from: query.from ?? 0,
      limit: query.limit,
    });
  }
  const read = await log.read(id, query.from ?? 0, query.limit);
  return { items: read.items, next: read.next, done: read.done };
}

async function cancelStream(request: StreamRequest, reply: FastifyReply) {
  const id = parseStreamId(request.params);
  const status = await request.server.spool.log.cancel(id);
  return reply.code(202).send({ id, status });
}

/** The header's value, undefined when absent, or 400 when it is not 1–255 visible ASCII. */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && IDEMPOTENCY_KEY.test(header)) return header;
  throw new SpoolError(
    'invalid_request',
    'Idempotency-Key: expected 1 to 255 visible ASCII characters.',
  );
}

/**
 * The stream id of an `Idempotency-Key`: the same on every gateway, so a repeated create
 * lands on the same stream without any shared lookup (and the create script makes it atomic,
 * on Redis Cluster too). Keyed with the secret, so ids stay unguessable from keys.
 */
export function derivedStreamId(secret: string, key: string): string {
  const digest = createHmac('sha256', secret).update(key).digest('base64url');
  return `st_${digest.slice(0, DERIVED_ID_LENGTH)}`;
}

async function createOrConflict(log: TokenLog, input: Parameters<TokenLog['create']>[0]) {
  try {
    return await log.create(input);
  } catch (error) {
    if (isSpoolError(error, 'stream_exists')) {
      throw new SpoolError('idempotency_conflict', undefined, { cause: error });
    }
    throw error;
  }
}

function streamFields(body: CreateStreamBody): Record<string, string> {
  const fields: Record<string, string> = {};
  if (body.model !== undefined) fields.model = body.model;
  if (body.metadata !== undefined) fields.metadata = JSON.stringify(body.metadata);
  return fields;
}

/** JSON with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, inner]) => `${JSON.stringify(name)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function describeStream(meta: StreamMeta) {
  const metadata = parseMetadata(meta.fields.metadata);
  return {
    id: meta.id,
    status: meta.status,
    length: meta.length,
    model: meta.fields.model ?? null,
    created_at: new Date(meta.createdAt).toISOString(),
    ...(meta.finishReason === undefined ? {} : { finish_reason: meta.finishReason }),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

function parseMetadata(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return undefined;
  }
}
