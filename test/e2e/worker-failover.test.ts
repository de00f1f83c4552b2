/**
 * Generation failover with the default lock settings (docs/failover.md): a worker frozen with
 * SIGSTOP, as a blocked event loop or a paused VM would be, loses its generations to the other
 * worker within seconds as its readers see it, and once it wakes up it is fenced: nothing it
 * still had in hand reaches the log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readHopping } from '../support/hopping-reader.ts';
import { percentile, saturatedMachine } from '../support/stream-record.ts';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();
const STREAMS = 40;
/** The target, printed beside what readers saw (speed is measured here, not asserted: 2 shared cores). */
const PAUSE_TARGET_MS = 3_000;
/**
 * Asserted: far above the target and far below what BullMQ's default locks give (30 s lock + 30 s
 * stalled check: up to a minute), so it fails when the failover settings are lost, not on noise.
 */
const PAUSE_BOUND_MS = 10_000;

describe('generation failover', () => {
  it('continues a frozen worker’s streams on another worker in seconds and fences it when it wakes', async () => {
    const system = systemOf();
    const gateway = await system.startGateway();
    const env = { SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '40' };
    const workers = [await system.startWorker(env), await system.startWorker(env)];
    const ids = await Promise.all(
      Array.from({ length: STREAMS }, (_, index) =>
        system.generate(`Frozen worker ${index}.`, { seed: index, max_tokens: 240 }),
      ),
    );
    const signal = AbortSignal.timeout(60_000);
    const reads = ids.map((streamId) =>
      readHopping({ streamId, gateways: [gateway.url], start: 0, hopEvery: [1e9, 1e9], signal }),
    );
    await sleep(1_500);
    const started = (worker: (typeof workers)[number]) =>
      new Set(
        worker.logs.flatMap((line) =>
          line.msg === 'generation started' ? [String(line.stream)] : [],
        ),
      );
    const [frozen, other] = [...workers].sort((a, b) => started(b).size - started(a).size);
    if (!frozen || !other) throw new Error('two workers expected');
    const frozenStreams = started(frozen);
    const frozenAt = performance.now();
    frozen.signal('SIGSTOP');
    await expect
      .poll(
        () =>
          [...frozenStreams].every((id) =>
            other.logs.some((line) => line.msg === 'generation started' && line.stream === id),
          ),
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    frozen.signal('SIGCONT');
    const records = (await Promise.all(reads)).map((read) => read.record);
    for (const record of records) {
      expect(record.compareWith(await system.waitForEnd(record.streamId))).toEqual([]);
    }
    const pauses = records.flatMap((record) => {
      const pause = frozenStreams.has(record.streamId)
        ? record.pauseAfter(frozenAt, 2_500)
        : undefined;
      return pause === undefined ? [] : [pause];
    });
    console.log(
      `worker frozen (SIGSTOP), ${pauses.length} streams moved: pause p50 ` +
        `${Math.round(percentile(pauses, 50))} ms, max ${Math.round(Math.max(...pauses))} ms`,
    );
    expect(pauses.length).toBeGreaterThan(5);
    const longest = Math.max(...pauses);
    console.log(
      `longest pause ${Math.round(longest)} ms: the ${PAUSE_TARGET_MS} ms target ${longest <= PAUSE_TARGET_MS ? 'met' : 'missed'}`,
    );
    const saturated = saturatedMachine();
    if (saturated) console.log(`pause bound not asserted: ${saturated}`);
    else expect(longest).toBeLessThanOrEqual(PAUSE_BOUND_MS);
    // Awake again, it still had those generations in hand: each stops without writing.
    await expect
      .poll(
        () =>
          frozen.logs.filter(
            (line) => typeof line.msg === 'string' && line.msg.startsWith('fenced'),
          ).length,
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
  }, 90_000);
});
