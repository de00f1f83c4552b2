/**
 * Two of BullMQ's own Lua scripts — `addStandardJob` (what `Queue.add` runs for a job without
 * delay, priority or parent) and `getCounts` (what `Queue.getJobCounts` runs) — taken from the
 * BullMQ this package depends on, the one the workers run, without loading the rest of BullMQ.
 *
 * BullMQ ships each script assembled (includes resolved) as a small CommonJS module,
 * `dist/cjs/scripts/<name>-<keys>.js`; its package has no `exports` map, so the file can be
 * required alone. What is ours is only the call: key order and packed arguments, as BullMQ's
 * `RedisQueueBackend.addStandardJobArgs` / `getCountsArgs` build them. generation-queue.test.ts
 * checks that against `Queue.add` and a real `Worker`, so a BullMQ upgrade that changes them
 * fails a test instead of a gateway.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface BullmqScript {
  name: string;
  keys: number;
  lua: string;
  sha1: string;
}

/** The installed BullMQ's version, e.g. `6.7.0` (also written to the queue's meta hash). */
export const BULLMQ_VERSION = (require('bullmq/package.json') as { version: string }).version;

function script(file: string, name: string): BullmqScript {
  const exported = (require(`bullmq/dist/cjs/scripts/${file}.js`) as Record<string, unknown>)[
    name
  ] as { name?: unknown; content?: unknown; keys?: unknown } | undefined;
  if (typeof exported?.content !== 'string' || typeof exported.keys !== 'number') {
    throw new Error(
      `bullmq ${BULLMQ_VERSION} has no script ${name} in dist/cjs/scripts/${file}.js`,
    );
  }
  const lua = exported.content;
  return { name, keys: exported.keys, lua, sha1: createHash('sha1').update(lua).digest('hex') };
}

export const ADD_STANDARD_JOB = script('addStandardJob-9', 'addStandardJob');
export const GET_COUNTS = script('getCounts-1', 'getCounts');
