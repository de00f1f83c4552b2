/**
 * A WebSocket test client over the `ws` package: sends frames, decodes every server frame with the
 * protocol's decoder, and waits for conditions on what arrived.
 */
import { decodeServerFrame, type ServerFrame } from '@spool/protocol';
import WebSocket from 'ws';

export interface WsTestClient {
  socket: WebSocket;
  frames: ServerFrame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  waitFor(predicate: (frames: ServerFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens `/v1/ws`; `headers` go with the upgrade request (`Authorization`, `Origin`). */
export async function connectWs(
  baseUrl: string,
  options: { headers?: Record<string, string> } = {},
): Promise<WsTestClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, {
    headers: options.headers,
  });
  const frames: ServerFrame[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    const decoded = decodeServerFrame(data.toString('utf8'));
    if (!decoded.ok) throw new Error(`undecodable server frame: ${decoded.error.message}`);
    frames.push(decoded.frame);
    for (const listener of listeners) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data) => socket.send(data),
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(frames)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out; last frames: ${JSON.stringify(frames.slice(-3))}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    closed,
    close: () => socket.close(),
  };
}

/** Frames of one stream: chunk offsets in order, and the text of its token chunks. */
export function streamView(frames: ServerFrame[], stream: string) {
  const chunks = frames.flatMap((frame) =>
    frame.kind === 'chunk' && frame.stream === stream ? [frame.chunk] : [],
  );
  const offsets = chunks.flatMap((chunk) =>
    chunk.kind === 'tokens'
      ? Array.from({ length: chunk.to - chunk.from }, (_, index) => chunk.from + index)
      : [chunk.item.offset],
  );
  const text = chunks.map((chunk) => (chunk.kind === 'tokens' ? chunk.text : '')).join('');
  const ended = chunks.some((chunk) => chunk.kind === 'control' && chunk.item.type === 'end');
  const errors = frames.flatMap((frame) =>
    frame.kind === 'error' && frame.error.stream === stream ? [frame.error] : [],
  );
  const subscribed = frames.find((frame) => frame.kind === 'subscribed' && frame.stream === stream);
  return { chunks, offsets, text, ended, errors, subscribed };
}
