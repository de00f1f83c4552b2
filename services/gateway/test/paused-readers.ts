/**
 * Readers that connect, take their first message, then stop reading (their socket paused, so
 * TCP backpressure reaches the gateway) and later read on to the end — over plain SSE, over
 * SSE with a durable subscription (acks by HTTP), or over WebSocket (acks as frames). What the
 * paused-readers test drives against a real gateway process.
 */
import http from 'node:http';
import {
  type Chunk,
  chunkEnd,
  chunkStart,
  createSseDecoder,
  decodeServerFrame,
  type SseMessage,
} from '@spool/protocol';
import WebSocket from 'ws';

export type ReaderKind = 'sse' | 'subscription' | 'ws';

export interface PausedReader {
  /** Reads on to the end; resolves with every offset received, in order. */
  resume(): Promise<number[]>;
  /** Disconnects without reading on. */
  close(): void;
}

/** Connects, takes the first message, pauses; resolves once paused. */
export function pausedReader(kind: ReaderKind, baseUrl: string, streamId: string) {
  return kind === 'ws'
    ? pausedWsReader(baseUrl, streamId)
    : pausedSseReader(kind, baseUrl, streamId);
}

function offsetsOf(chunk: Chunk): number[] {
  return Array.from(
    { length: chunkEnd(chunk) - chunkStart(chunk) },
    (_, i) => chunkStart(chunk) + i,
  );
}

async function pausedSseReader(
  kind: 'sse' | 'subscription',
  baseUrl: string,
  streamId: string,
): Promise<PausedReader> {
  let query = '';
  let subscription: string | undefined;
  if (kind === 'subscription') {
    const created = await fetch(`${baseUrl}/v1/streams/${streamId}/subscriptions`, {
      method: 'POST',
    });
    subscription = ((await created.json()) as { subscription: string }).subscription;
    query = `?subscription=${subscription}`;
  }
  const offsets: number[] = [];
  let acked = 0;
  let ended = false;
  const decoder = createSseDecoder((result) => {
    if (!result.ok) throw new Error(result.error.message);
    const message: SseMessage = result.value;
    if (message.kind === 'error')
      throw new Error(`${message.error.code}: ${message.error.message}`);
    offsets.push(...offsetsOf(message));
    ended ||= message.kind === 'control' && message.item.type === 'end';
    const next = chunkEnd(message);
    if (subscription && next - acked >= 128) {
      acked = next;
      fetch(`${baseUrl}/v1/streams/${streamId}/subscriptions/${subscription}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ offset: next }),
      }).catch(() => {
        // The last acks may race the gateway's shutdown; the offsets received are what count.
      });
    }
  });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get(`${baseUrl}/v1/streams/${streamId}/events${query}`, { agent: false });
    request.on('response', resolve);
    request.on('error', reject);
    request.on('close', () => request.off('error', reject).on('error', () => {}));
  });
  await new Promise<void>((resolve) => {
    response.once('data', (data: Buffer) => {
      response.pause();
      decoder.feed(data);
      resolve();
    });
  });
  return {
    resume: () =>
      new Promise((resolve, reject) => {
        response.on('data', (data: Buffer) => decoder.feed(data));
        response.on('end', () =>
          ended ? resolve(offsets) : reject(new Error(`${streamId}: ended without its end`)),
        );
        response.on('error', reject);
        response.resume();
      }),
    close: () => response.destroy(),
  };
}

async function pausedWsReader(baseUrl: string, streamId: string): Promise<PausedReader> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`);
  // A reset when the gateway stops after the test is not the test's business.
  socket.on('error', () => {});
  const offsets: number[] = [];
  let acked = 0;
  let reading = false;
  let finish: ((offsets: number[]) => void) | undefined;
  let firstChunk: (() => void) | undefined;
  socket.on('message', (data: Buffer) => {
    const decoded = decodeServerFrame(data.toString('utf8'));
    if (!decoded.ok) throw new Error(decoded.error.message);
    const frame = decoded.frame;
    if (frame.kind === 'error') throw new Error(`${frame.error.code}: ${frame.error.message}`);
    if (frame.kind !== 'chunk') return;
    offsets.push(...offsetsOf(frame.chunk));
    if (!reading) {
      socket.pause();
      firstChunk?.();
      return;
    }
    const next = chunkEnd(frame.chunk);
    if (next - acked >= 64) {
      acked = next;
      socket.send(JSON.stringify({ type: 'ack', stream: streamId, offset: next }));
    }
    if (frame.chunk.kind === 'control' && frame.chunk.item.type === 'end') finish?.(offsets);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const paused = new Promise<void>((resolve) => {
    firstChunk = resolve;
  });
  socket.send(JSON.stringify({ type: 'subscribe', stream: streamId, from: 0, window: 256 }));
  await paused;
  return {
    resume: () =>
      new Promise((resolve) => {
        finish = (all) => {
          socket.close();
          resolve(all);
        };
        reading = true;
        acked = offsets.length;
        socket.send(JSON.stringify({ type: 'ack', stream: streamId, offset: acked }));
        socket.resume();
      }),
    close: () => socket.terminate(),
  };
}
