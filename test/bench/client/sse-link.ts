/**
 * A raw SSE reader: one GET, events parsed as they come. The resume point travels the way the
 * server understands it: Spool `Last-Event-ID`, `resumable-stream` a character count, the naive
 * relay nothing (it cannot resume).
 */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import { streamPaths } from '@spool/protocol';
import type { SystemName } from '../shared/assignment.ts';
import { SseParser } from '../shared/sse-parser.ts';
import type { Link, LinkHandlers } from './link.ts';

export interface SseLinkOptions {
  system: Exclude<SystemName, 'raw'>;
  baseUrl: string;
  streamId: string;
  /** Offset to resume from (Spool). */
  from: number;
  /** Characters already processed (resumable-stream). */
  skipCharacters: number;
  /**
   * Spool: read through this subscription with this window, and acknowledge by POST (the
   * subscription's ack channel); without it what the socket accepted counts as acknowledged.
   */
  subscription?: { id: string; window: number };
  handlers: LinkHandlers;
  /** Characters of each complete event, for resuming by character count. */
  onEventLength(length: number): void;
}

function eventsUrl(options: SseLinkOptions): { url: string; headers: Record<string, string> } {
  const { system, baseUrl, streamId } = options;
  if (system === 'spool') {
    const headers: Record<string, string> =
      options.from > 0 ? { 'Last-Event-ID': String(options.from) } : {};
    const sub = options.subscription;
    const query = sub ? `?subscription=${sub.id}&window=${sub.window}` : '';
    return { url: `${baseUrl}${streamPaths.events(streamId)}${query}`, headers };
  }
  if (system === 'resumable') {
    return {
      url: `${baseUrl}/streams/${streamId}/events?skip=${options.skipCharacters}`,
      headers: {},
    };
  }
  return { url: `${baseUrl}/streams/${streamId}/events`, headers: {} };
}

export function openSseLink(options: SseLinkOptions): Link {
  const { handlers } = options;
  const { url, headers } = eventsUrl(options);
  let response: IncomingMessage | undefined;
  let closed = false;
  const finish = (detail: string) => {
    if (closed) return;
    closed = true;
    handlers.closed(detail);
  };
  const parser = new SseParser((event) => {
    options.onEventLength(event.length);
    if (event.data === '') return;
    const fields = JSON.parse(event.data) as Record<string, unknown>;
    if (event.event === 'tokens') {
      handlers.tokens(fields.from as number, fields.to as number, fields.text as string);
    } else if (event.event === 'error' && fields.offset === undefined) {
      handlers.protocolError(String(fields.code), String(fields.message));
    } else {
      handlers.control(event.event, fields);
    }
  });
  const request: ClientRequest = http.get(url, { agent: false, headers }, (incoming) => {
    response = incoming;
    if (incoming.statusCode === 204) {
      incoming.resume();
      finish('complete 204');
      return;
    }
    if (incoming.statusCode !== 200) {
      incoming.resume();
      finish(`status ${incoming.statusCode}`);
      return;
    }
    incoming.setEncoding('utf8');
    incoming.on('data', (text: string) => parser.feed(text));
    incoming.on('end', () => finish('ended'));
    incoming.on('close', () => finish('closed'));
    incoming.on('error', (error) => finish(`error ${error.message}`));
  });
  request.on('error', (error) => finish(`error ${error.message}`));
  const sub = options.subscription;
  return {
    ack: (offset) => {
      if (!sub || closed) return;
      fetch(`${options.baseUrl}${streamPaths.ack(options.streamId, sub.id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ offset }),
      }).then(
        (response) => {
          // A failed ack only keeps the window shut: the reader resumes if it stays shut.
          if (!response.ok) handlers.protocolError('ack', `status ${response.status}`);
          return response.body?.cancel();
        },
        (error: unknown) => handlers.protocolError('ack', String(error)),
      );
    },
    pause: () => response?.pause(),
    resume: () => response?.resume(),
    close: () => request.destroy(),
    abort: () => request.destroy(),
    bytes: () => request.socket?.bytesRead ?? 0,
  };
}
