/** Small HTTP helpers shared by the baseline servers. */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

export async function readJson<T>(request: IncomingMessage): Promise<T> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as T;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function newId(): string {
  return `st_${randomBytes(16).toString('base64url')}`;
}

/** The ready line `startService` waits for, with the address to use. */
export function announce(name: string, port: number): void {
  process.stdout.write(
    `${JSON.stringify({ msg: `${name} ready`, address: `http://127.0.0.1:${port}` })}\n`,
  );
}

export function portFromEnv(): number {
  return Number(process.env.BENCH_PORT ?? 0);
}
