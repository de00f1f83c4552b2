/**
 * The Durable Streams reference server (`@durable-streams/server` 0.3.7) in its own process, for
 * the durable-streams scenario: `DS_STORE=memory|file node durable-streams-reference.ts`. `memory` is its
 * in-memory store; `file` its file-backed store (LMDB and append-only logs) in a fresh temporary
 * directory, removed on exit. Defaults otherwise, but for the long-poll timeout (the harness's
 * `DS_LONG_POLL_MS`, so both systems answer an idle long-poll alike).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStreamTestServer } from '@durable-streams/server';

const store = process.env.DS_STORE ?? 'memory';
if (store !== 'memory' && store !== 'file') throw new Error(`unknown store ${store}`);
const dataDir = store === 'file' ? mkdtempSync(join(tmpdir(), 'ds-reference-')) : undefined;
const server = new DurableStreamTestServer({
  port: 0,
  host: '127.0.0.1',
  longPollTimeout: Number(process.env.DS_LONG_POLL_MS ?? 30_000),
  ...(dataDir ? { dataDir } : {}),
});
const url = await server.start();
process.stdout.write(`${JSON.stringify({ msg: 'ds reference ready', address: url, store })}\n`);

const stop = async () => {
  await server.stop().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
