/**
 * A raw SSE reader for tests: node:http and the protocol's decoder, no client library, so it
 * sees exactly what the gateway wrote (status, headers, comments, ids) and can cut a
 * connection after any event, like a network drop.
 */
import http from 'node:http';
import { createSseDecoder, type SseMessage } from '@spool/protocol';

export interface SseRead {
  status: number;
  headers: http.IncomingHttpHeaders;
  messages: SseMessage[];
  /** `id:` of the last event that had one. */
  lastId: string | undefined;
  comments: string[];
  raw: string;
  /** JSON body for non-200 answers. */
  body: unknown;
}

/**
 * Reads an SSE response with node:http, decoding with the protocol's decoder. Stops at the end
 * of the response, or after `stopAfter` messages (then it cuts the connection, like a drop).
 */
export function readSse(
  url: string,
  options: { headers?: Record<string, string>; stopAfter?: number; pause?: boolean } = {},
): Promise<SseRead> {
  return new Promise((resolve, reject) => {
    const read: SseRead = {
      status: 0,
      headers: {},
      messages: [],
      lastId: undefined,
      comments: [],
      raw: '',
      body: undefined,
    };
    const request = http.get(url, { headers: options.headers }, (response) => {
      read.status = response.statusCode ?? 0;
      read.headers = response.headers;
      const decoder = createSseDecoder(
        (result) => {
          if (!result.ok) return reject(new Error(result.error.message));
          read.messages.push(result.value);
          if (result.value.kind !== 'error') read.lastId = String(endOf(result.value));
          if (options.stopAfter !== undefined && read.messages.length >= options.stopAfter) {
            request.destroy();
            resolve(read);
          }
        },
        { onComment: (comment) => read.comments.push(comment) },
      );
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        read.raw += text;
        if (read.status === 200) decoder.feed(text);
      });
      response.on('end', () => {
        if (read.status !== 200 && read.raw) read.body = JSON.parse(read.raw);
        resolve(read);
      });
      response.on('error', () => resolve(read));
    });
    request.on('error', (error) => (read.messages.length > 0 ? resolve(read) : reject(error)));
  });
}

function endOf(message: SseMessage): number {
  if (message.kind === 'tokens') return message.to;
  if (message.kind === 'control') return message.item.offset + 1;
  return -1;
}

/** The text of token chunks, and the offsets they cover, in order. */
export function textOf(messages: SseMessage[]): string {
  return messages.map((message) => (message.kind === 'tokens' ? message.text : '')).join('');
}

export function offsetsOf(messages: SseMessage[]): number[] {
  return messages.flatMap((message) => {
    if (message.kind === 'tokens')
      return Array.from({ length: message.to - message.from }, (_, index) => message.from + index);
    if (message.kind === 'control') return [message.item.offset];
    return [];
  });
}
