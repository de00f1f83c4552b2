/**
 * Baseline 3, producer side: the process that runs the generation, as a worker does. Each
 * `POST /streams` starts the synthetic model inside `createNewResumableStream`; the chunks
 * stay in this process's memory and go out over Redis pub/sub to whichever server resumes
 * the stream. Its own copy of the stream is drained here (nobody reads it).
 * `GET /bench/report` gives each item's hand-over time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreateRequest } from '../shared/assignment.ts';
import { announce, newId, portFromEnv, readJson, sendJson } from './bench-http.ts';
import { resumableContext } from './resumable-context.ts';
import { itemEvent, stamp, timedItems } from './synthetic-source.ts';

const context = resumableContext();
const times = new Map<string, number[]>();
const shutdown = new AbortController();

/**
 * Unpaced streams (the throughput scenario) wait this long before their first item, as a
 * prefill would: without it the stream is done before any reader has resumed it, and
 * resumable-stream has nothing to resume once a stream is done. Throughput is counted from the
 * first item received, so the wait is not in it.
 */
const UNPACED_GATE_MS = 500;

function makeStream(id: string, request: CreateRequest): ReadableStream<string> {
  const stamps: number[] = [];
  times.set(id, stamps);
  const items = timedItems(id, request, shutdown.signal);
  let gate: Promise<unknown> | undefined =
    request.params.tokens_per_second === 0
      ? new Promise((resolve) => setTimeout(resolve, UNPACED_GATE_MS))
      : undefined;
  return new ReadableStream<string>({
    async pull(controller) {
      if (gate) {
        await gate;
        gate = undefined;
      }
      const next = await items.next();
      if (next.done) return controller.close();
      stamps.push(stamp());
      controller.enqueue(itemEvent(next.value));
    },
  });
}

async function drain(stream: ReadableStream<string> | null): Promise<void> {
  if (!stream) return;
  const reader = stream.getReader();
  while (!(await reader.read()).done) {
    // The producer's own copy: nobody reads it.
  }
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  if (request.method === 'POST' && url.pathname === '/streams') {
    void readJson<CreateRequest>(request).then(async (body) => {
      const id = newId();
      const stream = await context.createNewResumableStream(id, () => makeStream(id, body));
      void drain(stream);
      sendJson(response, 201, { id });
    });
  } else if (url.pathname === '/bench/report') {
    sendJson(response, 200, { times: Object.fromEntries(times) });
  } else {
    sendJson(response, 404, { error: 'route_not_found' });
  }
});
server.listen(portFromEnv(), '127.0.0.1', () =>
  announce('resumable-producer', (server.address() as AddressInfo).port),
);
process.on('SIGTERM', () => {
  shutdown.abort();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
