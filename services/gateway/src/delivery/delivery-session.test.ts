import type { Chunk, NewItem } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkingPolicy } from './chunking-policy.ts';
import { DeliverySession, type DeliverySink } from './delivery-session.ts';
import { offsetSource, subscriptionSource } from './item-source.ts';

const redis = redisPerFile();
let log: RedisTokenLog;
let client: ReturnType<typeof connectRedis>;

beforeAll(() => {
  client = connectRedis(redis().url);
  log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
});
afterAll(async () => {
  await log.close();
  client.disconnect();
});

/** A transport whose buffer can be made to fill: `accepting` false means writes report "full". */
class TestSink implements DeliverySink {
  readonly chunks: Chunk[] = [];
  accepting = true;
  buffered = 0;
  #drainWaiters: (() => void)[] = [];

  send(chunk: Chunk): boolean {
    this.chunks.push(chunk);
    if (!this.accepting) this.buffered += 1;
    return this.accepting;
  }
  drained(): Promise<void> {
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  drain(): void {
    this.accepting = true;
    this.buffered = 0;
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
  }
  get items(): number {
    return this.chunks.reduce(
      (sum, chunk) => sum + (chunk.kind === 'tokens' ? chunk.to - chunk.from : 1),
      0,
    );
  }
}

async function streamWith(count: number, end = true): Promise<string> {
  const streamId = newStreamId();
  await log.create({ id: streamId });
  const items: NewItem[] = Array.from({ length: count }, (_, index) => ({
    type: 'token',
    block: 0,
    text: `${index} `,
  }));
  if (end) items.push({ type: 'end', finish_reason: 'stop' });
  await log.append({ streamId, attempt: 1, at: 0, items });
  return streamId;
}

function session(
  streamId: string,
  sink: DeliverySink,
  options: { window?: number; autoAck?: boolean; stallTimeoutMs?: number; maxItems?: number } = {},
) {
  const controller = new AbortController();
  const delivery = new DeliverySession({
    source: offsetSource(log, streamId),
    sink,
    from: 0,
    window: options.window ?? 50,
    chunking: chunkingPolicy({ maxItems: options.maxItems ?? 10, maxDelayMs: 0 }, 64),
    autoAck: options.autoAck ?? false,
    stallTimeoutMs: options.stallTimeoutMs ?? 5_000,
    maxBufferedBytes: 1 << 20,
    signal: controller.signal,
  });
  return { delivery, controller };
}

describe('DeliverySession', () => {
  it('sends exactly `window` items to a client that never acknowledges, then closes it as slow', async () => {
    const streamId = await streamWith(500);
    const sink = new TestSink();
    const { delivery } = session(streamId, sink, { window: 37, stallTimeoutMs: 300 });
    await expect(delivery.run()).rejects.toMatchObject({ code: 'slow_consumer' });
    expect(sink.items).toBe(37);
  });

  it('reopens the window on every ack and delivers the whole stream in order', async () => {
    const streamId = await streamWith(300);
    const sink = new TestSink();
    const { delivery } = session(streamId, sink, { window: 40 });
    const running = delivery.run();
    const acker = setInterval(() => delivery.ack(delivery.cursor), 5);
    await running;
    clearInterval(acker);
    expect(sink.items).toBe(301);
    let offset = 0;
    for (const chunk of sink.chunks) {
      expect(chunk.kind === 'tokens' ? chunk.from : chunk.item.offset).toBe(offset);
      offset = chunk.kind === 'tokens' ? chunk.to : chunk.item.offset + 1;
    }
  });

  it('stops pulling while the transport is full and resumes when it drains', async () => {
    const streamId = await streamWith(200);
    const sink = new TestSink();
    sink.accepting = false;
    const { delivery } = session(streamId, sink, { window: 20, autoAck: true });
    const running = delivery.run();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.items).toBe(20);
    for (let round = 0; round < 20 && sink.items < 201; round++) {
      sink.drain();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await running;
    expect(sink.items).toBe(201);
  });

  it('waits for items that are not there yet and ends after `end`', async () => {
    const streamId = newStreamId();
    await log.create({ id: streamId });
    const sink = new TestSink();
    const { delivery } = session(streamId, sink, { autoAck: true });
    const running = delivery.run();
    await log.append({
      streamId,
      attempt: 1,
      at: 0,
      items: [{ type: 'token', block: 0, text: 'late' }],
    });
    await log.append({
      streamId,
      attempt: 1,
      at: 1,
      items: [{ type: 'end', finish_reason: 'stop' }],
    });
    await running;
    expect(sink.items).toBe(2);
  });

  it('stops when its signal aborts', async () => {
    const streamId = await streamWith(3, false);
    const sink = new TestSink();
    const { delivery, controller } = session(streamId, sink, { autoAck: true });
    const running = delivery.run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('client left'));
    await expect(running).rejects.toThrow('client left');
    expect(sink.items).toBe(3);
  });

  it('holds a subscription to its window although group reads return whole entries', async () => {
    const streamId = await streamWith(500);
    const { subscription } = await log.createSubscription(streamId, 0);
    const sink = new TestSink();
    const controller = new AbortController();
    const delivery = new DeliverySession({
      source: subscriptionSource({
        log,
        streamId,
        subscription,
        consumer: 'gw-test',
        delivered: 0,
      }),
      sink,
      from: 0,
      window: 10,
      chunking: chunkingPolicy('adaptive', 64),
      autoAck: false,
      stallTimeoutMs: 300,
      maxBufferedBytes: 1 << 20,
      signal: controller.signal,
    });
    await expect(delivery.run()).rejects.toMatchObject({ code: 'slow_consumer' });
    expect(sink.items).toBe(10);
  });
});
