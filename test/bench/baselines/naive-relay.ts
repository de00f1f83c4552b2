/**
 * Baseline 2, the naive relay: one HTTP server process runs the synthetic model and pushes each
 * item straight to its SSE readers as it comes. No broker, no backpressure (write() results are
 * ignored), no resume: every reader, a reconnecting one too, gets the stream from its start (the
 * events are kept in this process's memory), whatever `Last-Event-ID` it sends.
 *
 * `POST /streams` starts a generation;
 * `GET /streams/:id/events` reads it; `GET /bench/report` gives each item's hand-over time.
 */
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreateRequest } from '../shared/assignment.ts';
import { announce, newId, portFromEnv, readJson, SSE_HEADERS, sendJson } from './bench-http.ts';
import { itemEvent, stamp, timedItems } from './synthetic-source.ts';

interface Relay {
  readers: Set<ServerResponse>;
  /** Every event so far, for readers that come later. */
  history: string[];
  times: number[];
  done: boolean;
}

const relays = new Map<string, Relay>();
const shutdown = new AbortController();

async function produce(id: string, request: CreateRequest, relay: Relay): Promise<void> {
  for await (const item of timedItems(id, request, shutdown.signal)) {
    const event = itemEvent(item);
    relay.times.push(stamp());
    relay.history.push(event);
    for (const reader of relay.readers) reader.write(event);
  }
  relay.done = true;
  for (const reader of relay.readers) reader.end();
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const events = /^\/streams\/([^/]+)\/events$/.exec(url.pathname);
  if (request.method === 'POST' && url.pathname === '/streams') {
    void readJson<CreateRequest>(request).then((body) => {
      const id = newId();
      const relay: Relay = { readers: new Set(), history: [], times: [], done: false };
      relays.set(id, relay);
      void produce(id, body, relay);
      sendJson(response, 201, { id });
    });
  } else if (request.method === 'GET' && events) {
    const relay = relays.get(events[1] as string);
    if (!relay) return sendJson(response, 404, { error: 'stream_not_found' });
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    response.write(relay.history.join(''));
    if (relay.done) return void response.end();
    relay.readers.add(response);
    response.on('close', () => relay.readers.delete(response));
  } else if (url.pathname === '/bench/report') {
    sendJson(response, 200, {
      times: Object.fromEntries([...relays].map(([id, relay]) => [id, relay.times])),
    });
  } else {
    sendJson(response, 404, { error: 'route_not_found' });
  }
});
server.listen(portFromEnv(), '127.0.0.1', () =>
  announce('naive', (server.address() as AddressInfo).port),
);
process.on('SIGTERM', () => {
  shutdown.abort();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
