import { connectWs, streamView } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

describe('a durable subscription over WebSocket', () => {
  it('survives its gateway being SIGKILLed: the client gets exactly the unacked and newer items', async () => {
    const system = systemOf();
    const [doomed, survivor] = [await system.startGateway(), await system.startGateway()];
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '150' });
    const streamId = await system.generate('Durable subscriptions.', { seed: 5, max_tokens: 300 });
    const { subscription } = await system.log.createSubscription(streamId, 0);

    const first = await connectWs(doomed.url);
    first.send({ type: 'subscribe', stream: streamId, subscription, window: 10_000 });
    await first.waitFor((frames) => streamView(frames, streamId).offsets.length >= 60, 15_000);
    const acked = 40;
    first.send({ type: 'ack', stream: streamId, offset: acked });
    await expect
      .poll(async () => (await system.log.pending(streamId, subscription)).acked)
      .toBe(acked);
    await doomed.service.kill('SIGKILL');
    await first.closed;

    const second = await connectWs(survivor.url);
    second.send({ type: 'subscribe', stream: streamId, subscription, window: 10_000 });
    await second.waitFor((frames) => streamView(frames, streamId).ended, 20_000);
    const view = streamView(second.frames, streamId);
    const items = await system.waitForEnd(streamId);
    expect(view.subscribed).toMatchObject({ from: acked, subscription });
    expect(view.offsets).toEqual(items.slice(acked).map((item) => item.offset));
    const text = items
      .slice(acked)
      .map((item) => (item.type === 'token' ? item.text : ''))
      .join('');
    expect(view.text).toBe(text);
    second.close();
  });
});
