/**
 * Durable Streams reads: HEAD (metadata, no TTL refresh), GET catch-up, `live=long-poll` and
 * `live=sse` (PROTOCOL.md sections 5.5-5.8). Waiting uses the stream's notifications (a
 * DsWatch), never a polling loop: the watch is taken before the read, so a change between the
 * read and the wait wakes it.
 */
import { isStreamId } from '@spool/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseBody } from './ds-body.ts';
import { responseCursor } from './ds-cursor.ts';
import { mediaTypeOf } from './ds-headers.ts';
import { decodeOffset } from './ds-offset.ts';
import type { ReadQuery } from './ds-query.ts';
import { parseReadQuery } from './ds-query.ts';
import { answer, answerFailure, closedSignal, etagOf, streamNameOf } from './ds-reply.ts';
import type { DsPage, DsSource } from './ds-source.ts';
import { streamSse } from './ds-sse-stream.ts';
import { durableSource } from './durable-source.ts';
import { tokenStreamSource } from './token-stream-source.ts';

const HISTORICAL_CACHE = 'public, max-age=60, stale-while-revalidate=300';

/** The source of a name: a token stream (`st_…`) or a Durable Stream; undefined: none. */
export function sourceOf(request: FastifyRequest): DsSource | undefined {
  const name = streamNameOf(request);
  const { log, durableStreams } = request.server.spool;
  if (name.startsWith('st_')) return isStreamId(name) ? tokenStreamSource(log, name) : undefined;
  return durableStreams && durableSource(durableStreams, name);
}

export async function handleHead(request: FastifyRequest, reply: FastifyReply) {
  const source = sourceOf(request);
  if (source === undefined) return answer(reply, 404);
  const result = await source.read({ kind: 'now' }, { limit: 0, touch: false });
  if (result.status !== 'ok') return answerFailure(reply, result.status, false);
  const { page } = result;
  reply.header('content-type', page.contentType);
  reply.header('stream-next-offset', page.tail);
  reply.header('cache-control', 'no-store');
  if (page.closed) reply.header('stream-closed', 'true');
  if (page.ttlSeconds !== undefined) reply.header('stream-ttl', String(page.ttlSeconds));
  if (page.expiresAt !== undefined) reply.header('stream-expires-at', page.expiresAt);
  reply.header('etag', etagOf(request, '-1', page.tail, page.closed));
  return reply.code(200).send();
}

export async function handleRead(request: FastifyRequest, reply: FastifyReply) {
  const parsed = parseReadQuery(request.url.split('?')[1] ?? '');
  if (!parsed.ok) return answer(reply, 400, parsed.message);
  const { query } = parsed;
  const source = sourceOf(request);
  if (source === undefined) return answer(reply, 404, 'No such stream.');
  if (query.live === 'sse') return streamSse({ request, reply, source, query });
  const watch = query.live === 'long-poll' ? await source.watch() : undefined;
  try {
    const limit = request.server.spool.config.durableStreams.readLimit;
    const result = await source.read(query.offset, { limit, touch: true });
    if (result.status !== 'ok') return answerFailure(reply, result.status, true);
    let page = result.page;
    if (query.offset.kind === 'now' && watch === undefined) {
      return answerPage(request, reply, { query, page: { ...page, entries: [] } });
    }
    if (watch !== undefined && page.entries.length === 0 && page.next === page.tail) {
      if (!page.closed) {
        const timeoutMs = request.server.spool.config.durableStreams.longPollMs;
        const gone = closedSignal(reply);
        await watch.next(page.nextPosition, timeoutMs, gone);
        const at = decodeOffset(page.next);
        const again = at && (await source.read({ kind: 'at', ...at }, { limit, touch: true }));
        if (again === undefined) return answerFailure(reply, 'bad_offset', true);
        if (again.status !== 'ok') return answerFailure(reply, again.status, true);
        page = again.page;
      }
      if (page.entries.length === 0) return answerNothingNew(reply, query, page);
    }
    return answerPage(request, reply, { query, page });
  } finally {
    watch?.stop();
  }
}

/** A long-poll with nothing new: 204, closed at once when the stream is. */
function answerNothingNew(reply: FastifyReply, query: ReadQuery, page: DsPage) {
  reply.header('stream-next-offset', page.next);
  reply.header('stream-up-to-date', 'true');
  if (page.closed) reply.header('stream-closed', 'true');
  else reply.header('stream-cursor', responseCursor(query.cursor, Date.now()));
  reply.header('cache-control', 'no-store');
  return reply.code(204).send();
}

function answerPage(
  request: FastifyRequest,
  reply: FastifyReply,
  read: { query: ReadQuery; page: DsPage },
) {
  const { query, page } = read;
  const upToDate = page.next === page.tail;
  const closed = page.closed && upToDate;
  reply.header('content-type', page.contentType);
  reply.header('stream-next-offset', page.next);
  if (upToDate) reply.header('stream-up-to-date', 'true');
  if (closed) reply.header('stream-closed', 'true');
  if (query.live !== undefined && !closed) {
    reply.header('stream-cursor', responseCursor(query.cursor, Date.now()));
  }
  const etag = etagOf(request, query.offsetText ?? '-1', page.next, closed);
  reply.header('etag', etag);
  reply.header('cache-control', upToDate ? 'no-store' : HISTORICAL_CACHE);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.code(200).send(responseBody(page.entries, mediaTypeOf(page.contentType)));
}
