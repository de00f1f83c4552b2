/**
 * Baseline 3, reader side: a minimal HTTP server, as a gateway would be, that serves
 * `GET /streams/:id/events?skip=N` with `resumeExistingStream(id, N)`: the producer's buffered
 * text from character N, then the live chunks, all through Redis pub/sub.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, portFromEnv, SSE_HEADERS, sendJson } from './bench-http.ts';
import { resumableContext } from './resumable-context.ts';

const context = resumableContext();

async function serve(id: string, skip: number, response: http.ServerResponse): Promise<void> {
  const stream = await context.resumeExistingStream(id, skip);
  if (stream === null) return void response.writeHead(204).end();
  if (stream === undefined) return sendJson(response, 404, { error: 'stream_not_found' });
  response.writeHead(200, SSE_HEADERS);
  response.flushHeaders();
  const reader = stream.getReader();
  response.on('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const next = await reader.read();
    if (next.done || response.destroyed) break;
    if (!response.write(next.value)) {
      await new Promise((resolve) => response.once('drain', resolve).once('close', resolve));
    }
  }
  response.end();
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const events = /^\/streams\/([^/]+)\/events$/.exec(url.pathname);
  if (request.method === 'GET' && events) {
    const skip = Number(url.searchParams.get('skip') ?? 0);
    serve(events[1] as string, skip, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  } else {
    sendJson(response, 404, { error: 'route_not_found' });
  }
});
server.listen(portFromEnv(), '127.0.0.1', () =>
  announce('resumable-server', (server.address() as AddressInfo).port),
);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
