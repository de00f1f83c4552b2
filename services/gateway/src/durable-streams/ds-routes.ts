/**
 * The Durable Streams routes, `/v1/stream/<name>` (docs/protocol.md section 14): PUT creates,
 * POST appends or closes, DELETE deletes, HEAD and GET read (ds-read.ts). A name of Spool's
 * token-stream form (`st_…`) is a token stream, readable here and never writable.
 *
 * This plugin alone parses raw bodies of any content type (a Buffer, the gateway's body limit
 * applies: 413); every other route keeps the gateway's JSON-only parser.
 */
import { HTTP_ROUTES } from '@spool/protocol';
import type { RedisDurableStreams } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyEntries, subOffsetPrefix } from './ds-body.ts';
import {
  type CreateHeaders,
  mediaTypeOf,
  parseAppendHeaders,
  parseCreateHeaders,
} from './ds-headers.ts';
import { encodeOffset } from './ds-offset.ts';
import { handleHead, handleRead } from './ds-read.ts';
import { answer, DS_PATH_PREFIX, drainDurableStreams, streamNameOf } from './ds-reply.ts';

export function registerDurableStreamRoutes(app: FastifyInstance): void {
  // At SIGTERM the open long-polls and SSE reads end before the server waits for its connections.
  app.addHook('preClose', async () => drainDurableStreams(app));
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cross-origin-resource-policy', 'cross-origin');
    });
    const path = HTTP_ROUTES.durableStream.path;
    scope.put(path, handleCreate);
    scope.post(path, handleAppend);
    scope.delete(path, handleDelete);
    scope.get(path, { exposeHeadRoute: false }, handleRead);
    scope.head(path, handleHead);
  });
}

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** The store, or a 501 when this gateway was built without one (tests of other routes). */
function storeOf(request: FastifyRequest, reply: FastifyReply): RedisDurableStreams | undefined {
  const store = request.server.spool.durableStreams;
  if (store === undefined) answer(reply, 501, 'Durable Streams are not enabled on this gateway.');
  return store;
}

/** Token streams are written by their generation only. */
function refuseTokenStream(name: string, reply: FastifyReply): boolean {
  if (!name.startsWith('st_')) return false;
  answer(reply, 403, 'Names of the form st_… are Spool token streams: read-only here.');
  return true;
}

async function handleCreate(request: FastifyRequest, reply: FastifyReply) {
  const name = streamNameOf(request);
  if (refuseTokenStream(name, reply)) return;
  const store = storeOf(request, reply);
  if (store === undefined) return;
  const parsed = parseCreateHeaders(request.headers);
  if (!parsed.ok) return answer(reply, 400, parsed.message);
  const input = parsed.value;
  const body = bodyOf(request);
  if (input.forkedFrom !== undefined) return createFork(store, { name, input, body, reply });
  const contentType = input.contentType ?? 'application/octet-stream';
  const mediaType = mediaTypeOf(contentType);
  const entries = bodyEntries(body, mediaType, true);
  if (!entries.ok) return answer(reply, 400, entries.message);
  const config = {
    contentType,
    mediaType,
    ...(input.ttlSeconds === undefined ? {} : { ttlSeconds: input.ttlSeconds }),
    ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
    closed: input.closed,
    forkSubOffset: 0,
  };
  const result = await store.create(name, config, entries.entries);
  return answerCreate(reply, result, contentType);
}

/**
 * A fork: hold the source (its length and settings), copy its entries up to the fork offset
 * (and the sub-offset's prefix of the next one), create the fork with them and the body, and
 * give the hold back when no fork was made. Three steps, each on one stream's slot.
 */
async function createFork(
  store: RedisDurableStreams,
  fork: { name: string; input: CreateHeaders; body: Buffer; reply: FastifyReply },
) {
  const { name, input, body, reply } = fork;
  const source = sourceName(input.forkedFrom ?? '');
  if (input.forkOffset !== undefined && input.forkOffset.epoch !== 0) {
    return answer(reply, 400, 'Stream-Fork-Offset is not an offset of that stream.');
  }
  const hold = await store.holdSource(source, input.forkOffset?.position);
  if (hold.status !== 'ok') {
    const [status, message] =
      hold.status === 'missing'
        ? [404, 'The source stream does not exist.']
        : hold.status === 'gone'
          ? [409, 'The source stream was deleted.']
          : [400, 'The fork offset is past its end.'];
    return answer(reply, status, message);
  }
  let made = false;
  try {
    const contentType = input.contentType ?? hold.contentType;
    if (mediaTypeOf(contentType) !== hold.mediaType) {
      return answer(reply, 409, 'The content type differs from the source stream.');
    }
    const copied = await copyEntries(
      store,
      source,
      hold.forkOffset + (input.forkSubOffset ? 1 : 0),
    );
    if (input.forkSubOffset > 0) {
      const next = copied.pop();
      const prefix = next && subOffsetPrefix(next, input.forkSubOffset, hold.mediaType);
      if (prefix === undefined) return answer(reply, 400, 'The fork sub-offset overshoots.');
      copied.push(prefix);
    }
    const entries = bodyEntries(body, hold.mediaType, true);
    if (!entries.ok) return answer(reply, 400, entries.message);
    const expiry =
      input.ttlSeconds !== undefined || input.expiresAt !== undefined
        ? input
        : { ttlSeconds: hold.ttlSeconds, expiresAt: hold.expiresAt };
    const result = await store.create(
      name,
      {
        contentType,
        mediaType: hold.mediaType,
        ...(expiry.ttlSeconds === undefined ? {} : { ttlSeconds: expiry.ttlSeconds }),
        ...(expiry.expiresAt === undefined ? {} : { expiresAt: expiry.expiresAt }),
        closed: input.closed,
        forkedFrom: source,
        forkOffset: hold.forkOffset,
        forkSubOffset: input.forkSubOffset,
      },
      [...copied, ...entries.entries],
    );
    made = result.status === 'created';
    return answerCreate(reply, result, contentType);
  } finally {
    if (!made) await store.releaseSource(source);
  }
}

/** The first `count` entries of `source`, page by page. */
async function copyEntries(store: RedisDurableStreams, source: string, count: number) {
  const copied: Buffer[] = [];
  while (copied.length < count) {
    const page = await store.read(source, {
      from: copied.length,
      limit: Math.min(1_000, count - copied.length),
      touch: false,
    });
    if (page.status !== 'ok' || page.entries.length === 0) break;
    copied.push(...page.entries);
  }
  return copied;
}

function sourceName(forkedFrom: string): string {
  const path = forkedFrom.replace(/^https?:\/\/[^/]+/, '');
  return path.startsWith(DS_PATH_PREFIX) ? path.slice(DS_PATH_PREFIX.length) : path;
}

/** The created stream's absolute URL: under SPOOL_PUBLIC_URL, or as this request reached us. */
function locationOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  const base = request.server.spool.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base.replace(/\/+$/, '')}${path}`;
}

function answerCreate(
  reply: FastifyReply,
  result: Awaited<ReturnType<RedisDurableStreams['create']>>,
  contentType: string,
) {
  if (result.status !== 'created' && result.status !== 'exists') {
    const message =
      result.status === 'conflict'
        ? 'The stream exists with another configuration.'
        : 'The stream was deleted but forks still hold it: not reusable yet.';
    return answer(reply, 409, message);
  }
  reply.header('content-type', contentType);
  reply.header('stream-next-offset', encodeOffset({ epoch: 0, position: result.length }));
  if (result.closed) reply.header('stream-closed', 'true');
  if (result.status === 'created') reply.header('location', locationOf(reply.request));
  return reply.code(result.status === 'created' ? 201 : 200).send();
}

async function handleAppend(request: FastifyRequest, reply: FastifyReply) {
  const name = streamNameOf(request);
  if (refuseTokenStream(name, reply)) return;
  const store = storeOf(request, reply);
  if (store === undefined) return;
  const parsed = parseAppendHeaders(request.headers);
  if (!parsed.ok) return answer(reply, 400, parsed.message);
  const { contentType, streamSeq, close, producer } = parsed.value;
  const body = bodyOf(request);
  if (body.length === 0 && !close) return answer(reply, 400, 'An append needs a body.');
  if (body.length > 0 && contentType === undefined) {
    return answer(reply, 400, 'An append needs a Content-Type.');
  }
  const mediaType = mediaTypeOf(contentType);
  let entries: Buffer[] = [];
  if (body.length > 0) {
    // The body is parsed as the stream's type says only once the types are known to match:
    // the script compares them; a JSON body is checked here.
    const split = bodyEntries(body, mediaType, false);
    if (!split.ok) return answer(reply, 400, split.message);
    entries = split.entries;
  }
  const result = await store.append(name, {
    ...(body.length > 0 ? { mediaType } : {}),
    ...(streamSeq === undefined ? {} : { streamSeq }),
    ...(producer === undefined ? {} : { producer }),
    close,
    entries,
  });
  const offset = (length: number) => encodeOffset({ epoch: 0, position: length });
  if (producer !== undefined) reply.header('producer-epoch', String(producer.epoch));
  switch (result.status) {
    case 'ok':
      reply.header('stream-next-offset', offset(result.length));
      if (result.closed) reply.header('stream-closed', 'true');
      if (producer !== undefined) reply.header('producer-seq', String(producer.seq));
      return reply.code(producer !== undefined && entries.length > 0 ? 200 : 204).send();
    case 'duplicate':
      reply.header('producer-seq', String(result.lastSeq));
      if (result.closed) {
        reply.header('stream-closed', 'true');
        reply.header('stream-next-offset', offset(result.length));
      }
      return reply.code(204).send();
    case 'closed':
      reply.header('stream-closed', 'true');
      reply.header('stream-next-offset', offset(result.length));
      return answer(reply, 409, 'The stream is closed.');
    case 'stale_epoch':
      reply.header('producer-epoch', String(result.epoch));
      return answer(reply, 403, 'Stale producer epoch.');
    case 'gap':
      reply.header('producer-expected-seq', String(result.expected));
      reply.header('producer-received-seq', String(result.received));
      return answer(reply, 409, 'Producer sequence gap.');
    case 'epoch_seq':
      return answer(reply, 400, 'A new producer epoch starts at Producer-Seq 0.');
    case 'content_type':
      return answer(reply, 409, 'The Content-Type differs from the stream’s.');
    case 'seq_conflict':
      return answer(reply, 409, 'Stream-Seq must grow.');
    case 'missing':
      return answer(reply, 404, 'No such stream.');
    case 'gone':
      return answer(reply, 410, 'The stream was deleted.');
  }
}

async function handleDelete(request: FastifyRequest, reply: FastifyReply) {
  const name = streamNameOf(request);
  if (refuseTokenStream(name, reply)) return;
  const store = storeOf(request, reply);
  if (store === undefined) return;
  const result = await store.delete(name);
  if (result === 'missing') return answer(reply, 404, 'No such stream.');
  if (result === 'gone') return answer(reply, 410, 'The stream was deleted.');
  return reply.code(204).send();
}
