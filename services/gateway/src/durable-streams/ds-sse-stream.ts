/**
 * `live=sse` (PROTOCOL.md section 5.8): the messages from the offset on, each `data` event
 * followed by its `control` event, then new ones as they come (woken by the stream's watch),
 * a keep-alive control at each quiet long-poll interval, and the end after `streamClosed` or
 * after `SPOOL_DS_SSE_MAX_MS` (the client reconnects from the last `streamNextOffset`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseCursor } from './ds-cursor.ts';
import { isTextual, mediaTypeOf } from './ds-headers.ts';
import { decodeOffset } from './ds-offset.ts';
import type { ReadQuery } from './ds-query.ts';
import { answerFailure, closedSignal } from './ds-reply.ts';
import type { DsPage, DsSource } from './ds-source.ts';
import { type DsControl, sseControl, sseData } from './ds-sse.ts';

export async function streamSse(input: {
  request: FastifyRequest;
  reply: FastifyReply;
  source: DsSource;
  query: ReadQuery;
}) {
  const { request, reply, source, query } = input;
  const settings = request.server.spool.config.durableStreams;
  const watch = await source.watch();
  try {
    const first = await source.read(query.offset, { limit: settings.readLimit, touch: true });
    if (first.status !== 'ok') return answerFailure(reply, first.status, true);
    const mediaType = mediaTypeOf(first.page.contentType);
    const encoding = isTextual(mediaType) ? 'text' : 'base64';
    reply.hijack();
    const raw = reply.raw;
    const set = Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined);
    raw.writeHead(200, {
      ...(Object.fromEntries(set) as Record<string, string>),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...(encoding === 'base64' ? { 'stream-sse-data-encoding': 'base64' } : {}),
    });
    raw.flushHeaders();
    const gone = closedSignal(reply);
    const endAt = Date.now() + settings.sseMaxMs;
    let page: DsPage = first.page;
    while (!gone.aborted) {
      const cursor = () => responseCursor(query.cursor, Date.now());
      raw.write(pageEvents(page, { mediaType, encoding, cursor }));
      if (page.closed && page.next === page.tail) break;
      if (page.next === page.tail) {
        const waitMs = Math.min(settings.longPollMs, endAt - Date.now());
        if (waitMs <= 0) break;
        const changed = await watch.next(page.nextPosition, waitMs, gone);
        if (gone.aborted) break;
        if (!changed && Date.now() >= endAt) break;
      }
      const at = decodeOffset(page.next);
      const next =
        at &&
        (await source.read({ kind: 'at', ...at }, { limit: settings.readLimit, touch: true }));
      if (next === undefined || next.status !== 'ok') break;
      page = next.page;
    }
    raw.end();
  } finally {
    watch.stop();
  }
}

/** A page's events: each entry's data and control, or one control when it has none. */
function pageEvents(
  page: DsPage,
  format: { mediaType: string; encoding: 'text' | 'base64'; cursor: () => string },
): string {
  const atTail = page.next === page.tail;
  const control = (offset: string, last: boolean): DsControl => {
    if (last && atTail && page.closed) return { streamNextOffset: offset, streamClosed: true };
    return {
      streamNextOffset: offset,
      streamCursor: format.cursor(),
      ...(last && atTail ? { upToDate: true } : {}),
    };
  };
  if (page.entries.length === 0) return sseControl(control(page.next, true));
  return page.entries
    .map((entry, index) => {
      const last = index === page.entries.length - 1;
      return (
        sseData(payloadOf(entry, format)) +
        sseControl(control(page.offsets[index] ?? page.next, last))
      );
    })
    .join('');
}

function payloadOf(entry: Buffer, format: { mediaType: string; encoding: 'text' | 'base64' }) {
  if (format.encoding === 'base64') return entry.toString('base64');
  if (format.mediaType === 'application/json') return `[${entry.toString('utf8')}]`;
  return entry.toString('utf8');
}
