import { isSpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { describe, expect, it } from 'vitest';
import { createStream, tokenLogs, tokens } from './fixture.ts';

const redis = redisPerFile();
const openLog = tokenLogs(redis);

describe('subscriptions (consumer groups)', () => {
  it('delivers from its start offset, even inside a batched entry', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(10) });
    const { subscription } = await log.createSubscription(id, 4);
    expect(subscription).toMatch(/^sub_/);
    const read = await log.readSubscription({ streamId: id, subscription, consumer: 'gw1' });
    expect(read.items.map((item) => item.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(read.acked).toBe(4);
    expect(await log.pending(id, subscription)).toEqual({ subscription, acked: 4, delivered: 10 });
  });

  it('acknowledges forward only and keeps partly acknowledged entries pending', async () => {
    const { log, client } = openLog();
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(5) });
    await log.append({ streamId: id, attempt: 1, at: 5, items: tokens(5) });
    const { subscription } = await log.createSubscription(id, 0);
    await log.readSubscription({ streamId: id, subscription, consumer: 'gw1' });
    expect(await log.ack(id, subscription, 7)).toBe(7);
    expect(await log.ack(id, subscription, 3)).toBe(7);
    const pendingEntries = (await client.xpending(log.keys(id).log, subscription)) as [
      number,
      ...unknown[],
    ];
    expect(pendingEntries[0]).toBe(1);
    expect(await log.pending(id, subscription)).toMatchObject({ acked: 7, delivered: 10 });
    await expect(log.ack(id, subscription, 11)).rejects.toSatisfy((error) =>
      isSpoolError(error, 'offset_out_of_range'),
    );
  });

  it('moves pending entries to the consumer that takes the subscription over', async () => {
    const { log: deadGateway } = openLog();
    const { log: nextGateway, client } = openLog();
    const id = await createStream(deadGateway);
    await deadGateway.append({ streamId: id, attempt: 1, at: 0, items: tokens(6) });
    const { subscription } = await deadGateway.createSubscription(id, 0);
    await deadGateway.readSubscription({
      streamId: id,
      subscription,
      consumer: 'gw-dead',
      limit: 6,
    });
    await deadGateway.ack(id, subscription, 2);
    const takeOver = await nextGateway.takeOver(id, subscription, 'gw-next');
    expect(takeOver).toMatchObject({ acked: 2, delivered: 6, claimed: 1, length: 6 });
    const consumers = (await client.xinfo(
      'CONSUMERS',
      nextGateway.keys(id).log,
      subscription,
    )) as unknown[][];
    expect(consumers.map((consumer) => consumer[1])).toEqual(['gw-next']);
    // What was sent but not acknowledged is re-read by offset; new items come through the group.
    const resend = await nextGateway.read(id, takeOver.acked, takeOver.delivered - takeOver.acked);
    expect(resend.items.map((item) => item.offset)).toEqual([2, 3, 4, 5]);
    await nextGateway.append({ streamId: id, attempt: 1, at: 6, items: tokens(2) });
    const next = await nextGateway.readSubscription({
      streamId: id,
      subscription,
      consumer: 'gw-next',
    });
    expect(next.items.map((item) => item.offset)).toEqual([6, 7]);
  });

  it('tells every watcher of a subscription about new acks, from any process', async () => {
    const { log: gateway } = openLog();
    const { log: other } = openLog();
    const id = await createStream(gateway);
    await gateway.append({ streamId: id, attempt: 1, at: 0, items: tokens(10) });
    const { subscription } = await gateway.createSubscription(id, 0);
    const seen: number[] = [];
    const stop = await gateway.watchAcks(id, subscription, (offset) => seen.push(offset));
    await other.ack(id, subscription, 4);
    await other.ack(id, subscription, 2);
    await other.ack(id, subscription, 9);
    await expect.poll(() => seen).toEqual([4, 9]);
    await stop();
  });

  it('reads the entries that hold the items asked for, however many items an entry holds', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    // Four full entries (64 items each), then twenty entries of one item.
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(256) });
    for (let at = 256; at < 276; at++)
      await log.append({ streamId: id, attempt: 1, at, items: tokens(1) });
    const { subscription } = await log.createSubscription(id, 0);
    const read = (limit: number) =>
      log.readSubscription({ streamId: id, subscription, consumer: 'gw1', limit });
    const offsets = async (limit: number) => (await read(limit)).items.map((item) => item.offset);
    // 100 items are in the first two entries: the other two stay with the group.
    expect(await offsets(100)).toEqual(range(0, 128));
    expect(await log.pending(id, subscription)).toMatchObject({ delivered: 128 });
    expect(await offsets(64)).toEqual(range(128, 192));
    // Past the full entries, one-item entries: 70 items are the last full entry and six more.
    expect(await offsets(70)).toEqual(range(192, 262));
    expect(await offsets(1_000)).toEqual(range(262, 276));
    expect(await offsets(1)).toEqual([]);
    await expect(read(0)).rejects.toThrow(RangeError);
    expect(await log.pending(id, subscription)).toMatchObject({ delivered: 276 });
  });

  it('deletes a subscription and then answers subscription_not_found', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const { subscription } = await log.createSubscription(id, 0);
    expect(await log.deleteSubscription(id, subscription)).toBe(true);
    expect(await log.deleteSubscription(id, subscription)).toBe(false);
    await expect(log.ack(id, subscription, 0)).rejects.toSatisfy((error) =>
      isSpoolError(error, 'subscription_not_found'),
    );
    await expect(
      log.readSubscription({ streamId: id, subscription, consumer: 'gw1' }),
    ).rejects.toSatisfy((error) => isSpoolError(error, 'subscription_not_found'));
  });

  it('refuses a start beyond the end and changes nothing', async () => {
    const { log, client } = openLog();
    const id = await createStream(log);
    await expect(log.createSubscription(id, 1)).rejects.toSatisfy((error) =>
      isSpoolError(error, 'offset_out_of_range'),
    );
    expect(await client.exists(log.keys(id).subscriptions)).toBe(0);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

describe('cancel', () => {
  it('ends a queued stream at once with end (cancelled)', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    expect(await log.cancel(id)).toBe('cancelled');
    const read = await log.read(id, 0);
    expect(read.items).toEqual([{ type: 'end', offset: 0, finish_reason: 'cancelled' }]);
    expect(read.done).toBe(true);
    expect(await log.cancel(id)).toBe('cancelled');
  });

  it('tells the running worker, which then ends the stream', async () => {
    const { log: worker } = openLog();
    const { log: gateway } = openLog();
    const id = await createStream(worker);
    await worker.claimAttempt(id, 1);
    await worker.append({ streamId: id, attempt: 1, at: 0, items: tokens(2) });
    let cancelled = 0;
    const stop = await worker.watchCancel(id, () => cancelled++);
    expect(await gateway.cancel(id)).toBe('running');
    await expect.poll(() => cancelled).toBe(1);
    expect((await worker.claimAttempt(id, 1)).cancelRequested).toBe(true);
    await worker.append({
      streamId: id,
      attempt: 1,
      at: 2,
      items: [{ type: 'end', finish_reason: 'cancelled' }],
    });
    expect((await gateway.meta(id)).status).toBe('cancelled');
    await stop();
  });

  it('fires a watch started after the cancel', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    await log.claimAttempt(id, 1);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) });
    await log.cancel(id);
    let cancelled = false;
    const stop = await log.watchCancel(id, () => {
      cancelled = true;
    });
    expect(cancelled).toBe(true);
    await stop();
  });
});
