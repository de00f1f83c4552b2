import type { Item } from '@spool/protocol';
import { createLogger } from '@spool/runtime';
import { type FakeOpenAI, startFakeOpenAI } from '@spool/testing';
import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest, ModelAdapter } from '../src/adapters/model-adapter.ts';
import { createOpenAIAdapter } from '../src/adapters/openai/index.ts';
import { type GenerationSettings, runGeneration } from '../src/generate.ts';
import { createWorkerMetrics } from '../src/metrics.ts';
import { AdapterError, scriptedAdapter, textAnswer, textTokens } from './scripted-adapter.ts';

const redis = redisPerFile();
let log: RedisTokenLog;
let client: ReturnType<typeof connectRedis>;
const logger = createLogger('worker-test', 'silent');
const metrics = createWorkerMetrics();
const settings: GenerationSettings = {
  append: { maxItems: 8 },
  idleTimeoutMs: 5_000,
  upstreamRetries: 2,
};

beforeAll(() => {
  client = connectRedis(redis().url);
  log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
});
afterAll(async () => {
  await log.close();
  client.disconnect();
});

async function newRequest(): Promise<GenerationRequest> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  return { streamId, messages: [{ role: 'user', content: 'hi' }], params: {} };
}

function run(
  request: GenerationRequest,
  adapter: ModelAdapter,
  options: {
    attempt?: number;
    shutdown?: AbortSignal;
    settings?: Partial<GenerationSettings>;
  } = {},
) {
  return runGeneration(
    {
      request,
      attempt: options.attempt ?? 1,
      shutdown: options.shutdown ?? new AbortController().signal,
    },
    { log, adapter, logger, metrics, settings: { ...settings, ...options.settings } },
  );
}

/** The real token log with one method replaced (Redis stays real). */
function withOverride<Name extends keyof RedisTokenLog>(
  target: RedisTokenLog,
  name: Name,
  replacement: RedisTokenLog[Name],
): RedisTokenLog {
  return new Proxy(target, {
    get: (object, property) =>
      property === name
        ? replacement
        : (Reflect.get(object, property, object) as (...args: unknown[]) => unknown).bind(object),
  });
}

async function itemsOf(streamId: string): Promise<Item[]> {
  return (await log.read(streamId, 0, 10_000)).items;
}

describe('runGeneration', () => {
  it('appends every item in order and ends the stream', async () => {
    const request = await newRequest();
    expect(
      await run(
        request,
        scriptedAdapter(() => textAnswer(100)),
      ),
    ).toBe('completed');
    const items = await itemsOf(request.streamId);
    expect(items).toHaveLength(103);
    expect(items.map((item) => item.offset)).toEqual(items.map((_, index) => index));
    expect((await log.meta(request.streamId)).status).toBe('done');
  });

  it('batches appends instead of one round trip per token', async () => {
    const request = await newRequest();
    let appends = 0;
    const counting = new Proxy(log, {
      get: (target, property) =>
        property === 'append'
          ? (input: Parameters<RedisTokenLog['append']>[0]) => {
              appends++;
              return target.append(input);
            }
          : (Reflect.get(target, property, target) as (...args: unknown[]) => unknown).bind(target),
    });
    await runGeneration(
      { request, attempt: 1, shutdown: new AbortController().signal },
      {
        log: counting,
        adapter: scriptedAdapter(() => textAnswer(400)),
        logger,
        metrics,
        settings,
      },
    );
    expect((await itemsOf(request.streamId)).length).toBe(403);
    expect(appends).toBeLessThan(403 / 4);
  });

  it('observes the first token stages of a fresh stream and counts its appends', async () => {
    const request = await newRequest();
    const own = createWorkerMetrics();
    const pickedUpAt = performance.now();
    await runGeneration(
      { request, attempt: 1, shutdown: new AbortController().signal, pickedUpAt },
      { log, adapter: scriptedAdapter(() => textAnswer(20)), logger, metrics: own, settings },
    );
    const text = await own.registry.metrics();
    expect(text).toContain('spool_stage_seconds_count{stage="model_first_token"} 1');
    expect(text).toContain('spool_stage_seconds_count{stage="first_append"} 1');
    expect(text).toContain('spool_items_appended_total 23');
    const appends = Number(/spool_appends_total (\d+)/.exec(text)?.[1]);
    expect(appends).toBeGreaterThan(0);
    expect(appends).toBeLessThanOrEqual(23);
  });

  it('observes no first token when the model fails before saying anything', async () => {
    const request = await newRequest();
    const own = createWorkerMetrics();
    const failing = scriptedAdapter(() => [
      { fail: new AdapterError('upstream_error', 'HTTP 400') },
    ]);
    await runGeneration(
      { request, attempt: 1, shutdown: new AbortController().signal },
      { log, adapter: failing, logger, metrics: own, settings },
    );
    expect((await itemsOf(request.streamId)).map((item) => item.type)).toEqual(['error', 'end']);
    const text = await own.registry.metrics();
    expect(text).not.toContain('stage="model_first_token"');
    expect(text).not.toContain('stage="first_append"');
    expect(text).toContain('spool_items_appended_total 2');
  });

  it('stops on cancel, aborts the model and ends with finish_reason cancelled', async () => {
    const request = await newRequest();
    const adapter = scriptedAdapter(() => [...textTokens(3), { sleep: 60_000 }, ...textTokens(3)]);
    const running = run(request, adapter);
    await expect.poll(async () => (await log.meta(request.streamId)).length).toBe(3);
    await log.cancel(request.streamId);
    expect(await running).toBe('completed');
    expect(adapter.aborted).toBe(1);
    const items = await itemsOf(request.streamId);
    expect(items.at(-1)).toEqual({ type: 'end', offset: 3, finish_reason: 'cancelled' });
    expect((await log.meta(request.streamId)).status).toBe('cancelled');
  });

  it('starts the model before its cancel watch is set up, and still honours an early cancel', async () => {
    const request = await newRequest();
    let releaseWatch = () => {};
    const watchHeld = new Promise<void>((resolve) => {
      releaseWatch = resolve;
    });
    const slowWatch = withOverride(log, 'watchCancel', async (...args) => {
      await watchHeld;
      return log.watchCancel(...args);
    });
    const adapter = scriptedAdapter(() => [...textTokens(2), { sleep: 60_000 }, ...textTokens(3)]);
    const running = runGeneration(
      { request, attempt: 1, shutdown: new AbortController().signal },
      { log: slowWatch, adapter, logger, metrics, settings },
    );
    await expect.poll(async () => (await log.meta(request.streamId)).length).toBe(2);
    await log.cancel(request.streamId);
    releaseWatch();
    expect(await running).toBe('completed');
    expect((await itemsOf(request.streamId)).at(-1)).toEqual({
      type: 'end',
      offset: 2,
      finish_reason: 'cancelled',
    });
  });

  it('ends the stream with an error when its cancel watch cannot be set up', async () => {
    const request = await newRequest();
    const brokenWatch = withOverride(log, 'watchCancel', () =>
      Promise.reject(new Error('subscribe failed')),
    );
    const adapter = scriptedAdapter(() => [...textTokens(2), { sleep: 60_000 }, ...textTokens(3)]);
    expect(
      await runGeneration(
        { request, attempt: 1, shutdown: new AbortController().signal },
        { log: brokenWatch, adapter, logger, metrics, settings },
      ),
    ).toBe('completed');
    expect((await itemsOf(request.streamId)).slice(-2)).toMatchObject([
      { type: 'error', code: 'internal' },
      { type: 'end', finish_reason: 'error' },
    ]);
  });

  it('ends a model that goes silent with generation_timeout', async () => {
    const request = await newRequest();
    const adapter = scriptedAdapter(() => [...textTokens(2), { hangWithoutItems: true }]);
    expect(await run(request, adapter, { settings: { idleTimeoutMs: 200 } })).toBe('completed');
    const items = await itemsOf(request.streamId);
    expect(items.slice(-2)).toMatchObject([
      { type: 'error', code: 'generation_timeout' },
      { type: 'end', finish_reason: 'error' },
    ]);
  });

  it('retries a failing upstream before its first item, never after', async () => {
    const before = await newRequest();
    const flaky = scriptedAdapter((_, runIndex) =>
      runIndex === 0
        ? [{ fail: new AdapterError('upstream_error', 'HTTP 503', { retryable: true }) }]
        : textAnswer(2),
    );
    expect(await run(before, flaky)).toBe('completed');
    expect(flaky.runs).toBe(2);
    expect((await log.meta(before.streamId)).status).toBe('done');

    const after = await newRequest();
    const cut = scriptedAdapter(() => [
      ...textTokens(2),
      { fail: new AdapterError('upstream_error', 'stream cut', { retryable: true }) },
    ]);
    await run(after, cut);
    expect(cut.runs).toBe(1);
    expect((await itemsOf(after.streamId)).slice(-2)).toMatchObject([
      { type: 'error', code: 'upstream_error', message: 'stream cut' },
      { type: 'end', finish_reason: 'error' },
    ]);
  });

  it('writes nothing once a newer attempt owns the stream', async () => {
    const request = await newRequest();
    const stale = scriptedAdapter(() => [
      ...textTokens(2),
      { sleep: 300 },
      ...textTokens(5),
      { type: 'end', finish_reason: 'stop' },
    ]);
    const staleRun = run(request, stale, { attempt: 1 });
    await expect.poll(async () => (await log.meta(request.streamId)).length).toBe(2);
    await log.claimAttempt(request.streamId, 2);
    expect(await staleRun).toBe('fenced');
    expect(await itemsOf(request.streamId)).toHaveLength(2);
  });

  it('continues from the stored prefix when the adapter can, else ends with worker_lost', async () => {
    const continuing = await newRequest();
    await log.append({
      streamId: continuing.streamId,
      attempt: 1,
      at: 0,
      items: textAnswer(10).slice(0, 5),
    });
    expect(
      await run(
        continuing,
        scriptedAdapter(() => textAnswer(10), { canContinue: true }),
        { attempt: 2 },
      ),
    ).toBe('completed');
    const items = await itemsOf(continuing.streamId);
    expect(items.map(({ offset, ...item }) => item)).toEqual(textAnswer(10));

    const lost = await newRequest();
    await log.append({ streamId: lost.streamId, attempt: 1, at: 0, items: textTokens(3) });
    expect(
      await run(
        lost,
        scriptedAdapter(() => textAnswer(10)),
        { attempt: 2 },
      ),
    ).toBe('completed');
    expect((await itemsOf(lost.streamId)).slice(3)).toMatchObject([
      { type: 'error', code: 'worker_lost' },
      { type: 'end', finish_reason: 'error' },
    ]);
  });

  it('hands back at shutdown: appends what it has and leaves the stream open', async () => {
    const request = await newRequest();
    const shutdown = new AbortController();
    const running = run(
      request,
      scriptedAdapter(() => [...textTokens(4), { sleep: 60_000 }, ...textAnswer(2)]),
      { shutdown: shutdown.signal },
    );
    await expect.poll(async () => (await log.meta(request.streamId)).length).toBe(4);
    shutdown.abort();
    expect(await running).toBe('handed_back');
    expect(await log.meta(request.streamId)).toMatchObject({ status: 'running', length: 4 });
  });

  it('leaves an already ended stream alone', async () => {
    const request = await newRequest();
    await log.cancel(request.streamId);
    expect(
      await run(
        request,
        scriptedAdapter(() => textAnswer(3)),
      ),
    ).toBe('already_ended');
    expect(await itemsOf(request.streamId)).toHaveLength(1);
  });
});

describe('runGeneration with the openai adapter and a fake upstream', () => {
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });
  afterAll(async () => {
    await upstream.stop();
  });

  it('aborts the upstream HTTP request when the stream is cancelled', async () => {
    upstream.script([{ content: 'Hel' }, { content: 'lo' }, { hang: true }]);
    const request = await newRequest();
    const adapter = createOpenAIAdapter({ baseUrl: upstream.baseUrl, byteTimeoutMs: 30_000 });
    const running = run(request, adapter);
    await expect.poll(async () => (await log.meta(request.streamId)).length).toBeGreaterThan(1);
    await log.cancel(request.streamId);
    expect(await running).toBe('completed');
    expect(await upstream.requests.at(-1)?.closed).toBe('client');
    expect((await itemsOf(request.streamId)).at(-1)).toMatchObject({
      type: 'end',
      finish_reason: 'cancelled',
    });
  });

  it('ends with generation_timeout when the upstream sends only keepalives', async () => {
    upstream.script([
      { content: 'Hi' },
      ...Array.from({ length: 40 }, () => [{ sleep: 25 }, { keepalive: true as const }]).flat(),
      { content: 'late' },
    ]);
    const request = await newRequest();
    const adapter = createOpenAIAdapter({ baseUrl: upstream.baseUrl, byteTimeoutMs: 500 });
    await run(request, adapter, { settings: { idleTimeoutMs: 300 } });
    const items = await itemsOf(request.streamId);
    expect(items.some((item) => item.type === 'token' && item.text === 'late')).toBe(false);
    expect(items.slice(-2)).toMatchObject([
      { type: 'error', code: 'generation_timeout' },
      { type: 'end', finish_reason: 'error' },
    ]);
    expect(await upstream.requests.at(-1)?.closed).toBe('client');
  });
});
