/**
 * The Durable Streams routes, `/v1/stream/<name>` (docs/protocol.md section 14): PUT creates,
 * POST appends or closes, DELETE deletes, HEAD and GET read (ds-read.ts). A name of Spool's
 * token-stream form (`st_…`) is a token stream, readable here and never writable.
 *
 * This plugin alone parses raw bodies of any content type (a Buffer, the gateway's body limit
 * applies: 413); every other route keeps the gateway's JSON-only parser.
 */
import { HTTP_ROUTES } from '@spool/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyEntries } from './ds-body.ts';
import { handleCreate } from './ds-create.ts';
import { mediaTypeOf, parseAppendHeaders } from './ds-headers.ts';
import { encodeOffset } from './ds-offset.ts';
import { handleHead, handleRead } from './ds-read.ts';
import { answer, bodyOf, drainDurableStreams, writeTarget } from './ds-reply.ts';

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

async function handleAppend(request: FastifyRequest, reply: FastifyReply) {
  const target = writeTarget(request, reply);
  if (target === undefined) return;
  const { name, store } = target;
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
  const target = writeTarget(request, reply);
  if (target === undefined) return;
  const { name, store } = target;
  const result = await store.delete(name);
  if (result === 'missing') return answer(reply, 404, 'No such stream.');
  if (result === 'gone') return answer(reply, 410, 'The stream was deleted.');
  return reply.code(204).send();
}
