/**
 * `PUT /v1/stream/<name>`: create a Durable Stream, idempotently, or a fork of one
 * (docs/protocol.md section 14.1).
 */
import type { RedisDurableStreams } from '@spool/token-log';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyEntries, subOffsetPrefix } from './ds-body.ts';
import { type CreateHeaders, mediaTypeOf, parseCreateHeaders } from './ds-headers.ts';
import { encodeOffset } from './ds-offset.ts';
import { answer, bodyOf, DS_PATH_PREFIX, writeTarget } from './ds-reply.ts';

export async function handleCreate(request: FastifyRequest, reply: FastifyReply) {
  const target = writeTarget(request, reply);
  if (target === undefined) return;
  const { name, store } = target;
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
