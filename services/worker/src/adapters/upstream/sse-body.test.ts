import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../model-adapter.ts';
import { sseData } from './sse-body.ts';

/** A body that delivers these byte slices, then ends (or stays open when `end` is false). */
function bodyOf(slices: Uint8Array[], end = true): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const slice of slices) controller.enqueue(slice);
      if (end) controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, signal = new AbortController().signal) {
  const events: string[] = [];
  for await (const data of sseData(body, { byteTimeoutMs: 200, signal })) events.push(data);
  return events;
}

const wire = ': keepalive\n\ndata: {"a":"héllo 🌍"}\n\ndata: multi\ndata: line\n\ndata: [DONE]\n\n';
const expected = ['{"a":"héllo 🌍"}', 'multi\nline', '[DONE]'];

describe('sseData', () => {
  it('yields the data of each event and skips comments', async () => {
    expect(await collect(bodyOf([new TextEncoder().encode(wire)]))).toEqual(expected);
  });

  it('yields the same events under any slicing of the bytes', async () => {
    const bytes = new TextEncoder().encode(wire);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })),
        async (cuts) => {
          const bounds = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const slices = bounds.slice(1).map((to, index) => bytes.slice(bounds[index], to));
          expect(await collect(bodyOf(slices))).toEqual(expected);
        },
      ),
    );
  });

  it('throws upstream_timeout when no byte arrives in time', async () => {
    const started = performance.now();
    const error = await collect(bodyOf([], false)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'upstream_timeout', retryable: true });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('throws the signal reason at once on abort', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    setTimeout(() => controller.abort(reason), 20);
    await expect(collect(bodyOf([], false), controller.signal)).rejects.toBe(reason);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: 1\n\ndata: 2\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const data of sseData(body, {
      byteTimeoutMs: 200,
      signal: new AbortController().signal,
    })) {
      expect(data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
