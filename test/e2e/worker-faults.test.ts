import type { Item, NewItem } from '@spool/protocol';
import { createSyntheticAdapter } from '@spool/worker';
import { describe, expect, it } from 'vitest';
import { systemPerTest, type TestSystem } from '../support/system.ts';

// Short locks so a lost worker is noticed in about a second.
const FAST_FAILOVER = {
  SPOOL_WORKER_LOCK_MS: '1000',
  SPOOL_WORKER_STALLED_INTERVAL_MS: '300',
  SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '150',
};
const PARAMS = { seed: 7, max_tokens: 300 };

const systemOf = systemPerTest();

/** What an uninterrupted run of the same request yields, computed in this process. */
async function uninterrupted(prompt: string): Promise<NewItem[]> {
  const adapter = createSyntheticAdapter({ tokensPerSecond: 0 });
  const items: NewItem[] = [];
  const request = {
    streamId: 'st_reference000000000000',
    messages: [{ role: 'user' as const, content: prompt }],
    params: { ...PARAMS, tokens_per_second: 0 },
  };
  for await (const item of adapter.generate(request, {
    signal: new AbortController().signal,
    prefix: [],
  }))
    items.push(item);
  return items;
}

function withoutOffsets(items: Item[]): NewItem[] {
  return items.map(({ offset: _offset, ...item }) => item as NewItem);
}

async function runnerOf(
  streamId: string,
  workers: Awaited<ReturnType<TestSystem['startWorker']>>[],
) {
  const started = (line: Record<string, unknown>) =>
    line.msg === 'generation started' && line.stream === streamId;
  return Promise.any(
    workers.map(async (worker) => {
      await worker.waitForLog(started);
      return worker;
    }),
  );
}

describe('workers under faults', () => {
  it('completes a stream identical to an uninterrupted run when its worker is SIGKILLed', async () => {
    const system = systemOf();
    const workers = [
      await system.startWorker(FAST_FAILOVER),
      await system.startWorker(FAST_FAILOVER),
    ];
    const streamId = await system.generate('Tell me about streams.', PARAMS);
    const victim = await runnerOf(streamId, workers);
    await expect
      .poll(async () => (await system.log.meta(streamId)).length, { timeout: 10_000 })
      .toBeGreaterThan(40);
    await victim.kill('SIGKILL');
    const items = await system.waitForEnd(streamId);
    expect(withoutOffsets(items)).toEqual(await uninterrupted('Tell me about streams.'));
    const survivor = workers.find((worker) => worker !== victim);
    expect(
      survivor?.logs.some(
        (line) =>
          line.msg === 'generation started' && line.stream === streamId && line.attempt === 2,
      ),
    ).toBe(true);
  });

  it('refuses every append of a stale worker whose job was handed to another', async () => {
    const system = systemOf();
    const workers = [
      await system.startWorker(FAST_FAILOVER),
      await system.startWorker(FAST_FAILOVER),
    ];
    const streamId = await system.generate('A stale worker.', PARAMS);
    const stale = await runnerOf(streamId, workers);
    await expect
      .poll(async () => (await system.log.meta(streamId)).length, { timeout: 10_000 })
      .toBeGreaterThan(20);
    // Frozen like a blocked event loop: its lock expires and the other worker takes the job.
    stale.signal('SIGSTOP');
    const other = workers.find((worker) => worker !== stale);
    await other?.waitForLog(
      (line) => line.msg === 'generation started' && line.stream === streamId,
      15_000,
    );
    stale.signal('SIGCONT');
    await stale.waitForLog(
      (line) =>
        typeof line.msg === 'string' && line.msg.startsWith('fenced') && line.stream === streamId,
    );
    const items = await system.waitForEnd(streamId);
    expect(withoutOffsets(items)).toEqual(await uninterrupted('A stale worker.'));
  });

  it('hands running generations back at SIGTERM and another worker finishes them', async () => {
    const system = systemOf();
    const draining = await system.startWorker({ ...FAST_FAILOVER, SPOOL_SHUTDOWN_GRACE_MS: '200' });
    const streamId = await system.generate('Drain me.', PARAMS);
    await draining.waitForLog(
      (line) => line.msg === 'generation started' && line.stream === streamId,
    );
    await expect
      .poll(async () => (await system.log.meta(streamId)).length, { timeout: 10_000 })
      .toBeGreaterThan(20);
    // Longer than the worker's own limit (grace + 10 s), so a drain that hangs exits with its
    // 'drain took too long' instead of being killed here; its last lines say where it waited.
    const exit = await draining.stop(15_000);
    const lastLines = draining.logs.slice(-12).map((line) => JSON.stringify(line));
    expect(exit.code, lastLines.join('\n')).toBe(0);
    expect(draining.logs.some((line) => line.msg === 'handed back at shutdown')).toBe(true);
    await system.startWorker(FAST_FAILOVER);
    const items = await system.waitForEnd(streamId);
    expect(withoutOffsets(items)).toEqual(await uninterrupted('Drain me.'));
  });
});
