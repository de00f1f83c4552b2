/**
 * The Durable Streams client code of the durable-streams scenario: the same `fetch` calls against
 * Spool's gateway and the reference server. Raw HTTP, not `@durable-streams/client`: the point is
 * to measure the servers, and to see every response (the e2e test drives the real client).
 * Streams are JSON (`application/json`): a POST body is one message, a read answers a JSON array.
 * Every request asks for `Accept-Encoding: identity`, so neither server compresses.
 */

const JSON_TYPE = 'application/json';
const IDENTITY = { 'accept-encoding': 'identity' };

/** `Producer-Id` / `Producer-Epoch` / `Producer-Seq` of an idempotent append. */
export interface Producer {
  id: string;
  epoch: number;
  seq: number;
}

export class DsHttpError extends Error {
  readonly status: number;

  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 200)}`);
    this.status = status;
  }
}

async function expectOk(what: string, response: Response, allowed: number[]): Promise<void> {
  if (allowed.includes(response.status)) return;
  throw new DsHttpError(what, response.status, await response.text());
}

export async function createStream(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { ...IDENTITY, 'content-type': JSON_TYPE },
  });
  await expectOk(`PUT ${url}`, response, [200, 201]);
  await response.arrayBuffer();
}

/** Appends one message; the answer's `Stream-Next-Offset`. */
export async function append(url: string, body: string, producer?: Producer): Promise<string> {
  const headers: Record<string, string> = { ...IDENTITY, 'content-type': JSON_TYPE };
  if (producer) {
    headers['producer-id'] = producer.id;
    headers['producer-epoch'] = String(producer.epoch);
    headers['producer-seq'] = String(producer.seq);
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  // 204 is a plain append's answer (and an idempotent duplicate's): the bench sends no duplicates.
  await expectOk(`POST ${url}`, response, [200, 204]);
  await response.arrayBuffer();
  return response.headers.get('stream-next-offset') ?? '';
}

/** Closes the stream (`Stream-Closed: true`, empty body): its readers end. */
export async function closeStream(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...IDENTITY, 'content-type': JSON_TYPE, 'stream-closed': 'true' },
  });
  await expectOk(`close ${url}`, response, [200, 204]);
  await response.arrayBuffer();
}

/** What a read got: the messages as the server sent them (re-serialized) and the body bytes. */
export interface ReadOutcome {
  messages: string[];
  bytes: number;
  requests: number;
}

function messagesOf(text: string): string[] {
  if (text.trim() === '') return [];
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed))
    throw new Error(`a JSON read answered a non-array: ${text.slice(0, 80)}`);
  return parsed.map((message) => JSON.stringify(message));
}

/** Catch-up: GET from `offset` page after page until the server says it is up to date. */
export async function catchUp(url: string, offset = '-1'): Promise<ReadOutcome> {
  const outcome: ReadOutcome = { messages: [], bytes: 0, requests: 0 };
  for (let next = offset; ; ) {
    const response = await fetch(`${url}?offset=${encodeURIComponent(next)}`, {
      headers: IDENTITY,
    });
    await expectOk(`GET ${url}`, response, [200]);
    const body = await response.text();
    outcome.requests++;
    outcome.bytes += Buffer.byteLength(body);
    for (const message of messagesOf(body)) outcome.messages.push(message);
    next = response.headers.get('stream-next-offset') ?? next;
    if (
      response.headers.get('stream-up-to-date') === 'true' ||
      response.headers.get('stream-closed') === 'true'
    ) {
      return outcome;
    }
  }
}

/** A live reader's receipt of each message: (message, when: ms since the epoch, fractional). */
export type OnMessage = (message: string, receivedAt: number, where: () => string) => void;

export const nowMs = () => performance.timeOrigin + performance.now();

/** Follows the stream with `live=long-poll` (and its cursor) until it is closed or `signal` aborts. */
export async function followLongPoll(
  url: string,
  onMessage: OnMessage,
  signal: AbortSignal,
): Promise<number> {
  let offset = '-1';
  let cursor: string | null = null;
  let requests = 0;
  while (!signal.aborted) {
    const query: string = `offset=${encodeURIComponent(offset)}&live=long-poll${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response: Response = await fetch(`${url}?${query}`, { headers: IDENTITY, signal });
    await expectOk(`long-poll ${url}`, response, [200, 204]);
    const body = await response.text();
    const receivedAt = nowMs();
    requests++;
    const sent = offset;
    const next = response.headers.get('stream-next-offset') ?? offset;
    const messages = messagesOf(body);
    const where = () =>
      `GET offset=${sent} answered ${response.status} with ${messages.length} messages, Stream-Next-Offset ${next}`;
    for (const message of messages) onMessage(message, receivedAt, where);
    offset = next;
    cursor = response.headers.get('stream-cursor') ?? cursor;
    if (response.headers.get('stream-closed') === 'true') break;
  }
  return requests;
}

/**
 * Follows the stream with `live=sse` until a control event says it is closed (or `signal`
 * aborts), reconnecting from the last control event's `streamNextOffset` when the server ends
 * the response. Data lines of one event are joined with `\n` (a JSON array may span lines).
 */
export async function followSse(
  url: string,
  onMessage: OnMessage,
  signal: AbortSignal,
): Promise<number> {
  let offset = '-1';
  let connections = 0;
  let closed = false;
  while (!closed && !signal.aborted) {
    const response = await fetch(`${url}?offset=${encodeURIComponent(offset)}&live=sse`, {
      headers: { ...IDENTITY, accept: 'text/event-stream' },
      signal,
    });
    await expectOk(`sse ${url}`, response, [200]);
    connections++;
    if (!response.body) throw new Error('an SSE answer without a body');
    const decoder = new TextDecoder();
    const body = response.body.getReader();
    let buffer = '';
    for (;;) {
      const { done, value: chunk } = await body.read();
      if (done) break;
      buffer += decoder.decode(chunk, { stream: true }).replaceAll('\r\n', '\n');
      const receivedAt = nowMs();
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.event === 'data') {
          const where = () => `SSE from offset=${offset}, connection ${connections}`;
          for (const message of messagesOf(event.data)) onMessage(message, receivedAt, where);
        } else if (event.event === 'control') {
          const control = JSON.parse(event.data) as {
            streamNextOffset?: string;
            streamClosed?: boolean;
          };
          offset = control.streamNextOffset ?? offset;
          if (control.streamClosed) closed = true;
        }
      }
      if (closed) {
        await body.cancel();
        break;
      }
    }
  }
  return connections;
}

function parseEvent(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}
