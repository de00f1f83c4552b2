/**
 * The stream routes of SPEC section 3: create (with `Idempotency-Key`), metadata, catch-up
 * reads (whole stream or one block) and cancel. Errors are thrown as SpoolErrors; the error
 * handler turns them into `{ error: { code, message } }` with the code's status.
 */
import { jobFromCreateBody } from '@spool/generation-queue';
import {
  type CancelAnswer,
  createStreamBodySchema,
  decodeItemsQuery,
  HTTP_ROUTES,
  type ItemsPage,
  type StreamMetadata,
} from '@spool/protocol';
import type { StreamMeta } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { valueOrThrow } from '../http/errors.ts';
import {
  parseInput,
  parseStreamId,
  registerWithLenientJson,
  type StreamParams,
} from '../http/request-input.ts';
import { createBodyFields, createdAnswer, createStream } from '../streams/create-stream.ts';
import { readBlock } from '../streams/read-block.ts';

type StreamRequest = FastifyRequest<{ Params: StreamParams }>;

export function registerStreamRoutes(app: FastifyInstance): void {
  registerWithLenientJson(app, (scope) => {
    scope.post(HTTP_ROUTES.createStream.path, postStream);
    scope.get(HTTP_ROUTES.getStream.path, getStream);
    scope.get(HTTP_ROUTES.getItems.path, getItems);
    scope.post(HTTP_ROUTES.cancelStream.path, cancelStream);
  });
}

async function postStream(request: FastifyRequest, reply: FastifyReply) {
  const context = request.server.spool;
  const body = parseInput(createStreamBodySchema, request.body, 'body');
  const stream = await createStream(context, {
    request: body,
    idempotencyKey: request.headers['idempotency-key'],
    fields: createBodyFields(body),
    job: (id) => jobFromCreateBody(id, body),
    key: request.spoolKey,
  });
  const answer = createdAnswer(stream, context.config.publicUrl);
  return reply.code(stream.created ? 201 : 200).send(answer);
}

async function getStream(request: StreamRequest): Promise<StreamMetadata> {
  const meta = await request.server.spool.log.meta(parseStreamId(request.params));
  return describeStream(meta);
}

async function getItems(request: StreamRequest): Promise<ItemsPage> {
  const { log } = request.server.spool;
  const id = parseStreamId(request.params);
  const query = valueOrThrow(decodeItemsQuery(request.query));
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
  return { items: read.items, next: read.next, done: read.done, epoch: read.epoch };
}

async function cancelStream(request: StreamRequest, reply: FastifyReply) {
  const id = parseStreamId(request.params);
  const answer: CancelAnswer = { id, status: await request.server.spool.log.cancel(id) };
  return reply.code(202).send(answer);
}

function describeStream(meta: StreamMeta): StreamMetadata {
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
