import { isSpoolError, SpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { describe, expect, it, vi } from 'vitest';
import { connectRedis } from '../src/connect.ts';
import { createStream, tokenLogs, tokens } from './fixture.ts';

const redis = redisPerFile();
const openLog = tokenLogs(redis);

async function connectionsNamed(name: string): Promise<number> {
  const admin = connectRedis(redis().url);
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  } finally {
    admin.disconnect();
  }
}

describe('follow (the shared tail)', () => {
  it('returns existing items at once and waits for the next append otherwise', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    expect((await log.follow(id, 1)).items.map((item) => item.offset)).toEqual([1, 2]);
    const waiting = log.follow(id, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await log.append({ streamId: id, attempt: 1, at: 3, items: tokens(2) });
    const result = await waiting;
    expect(result.items.map((item) => item.offset)).toEqual([3, 4]);
  });

  it('resolves with done and no items at the end of an ended stream', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const waiting = log.follow(id, 1);
    await log.append({
      streamId: id,
      attempt: 1,
      at: 0,
      items: [{ type: 'end', finish_reason: 'stop' }],
    });
    expect((await waiting).done).toBe(true);
    expect(await log.follow(id, 1)).toMatchObject({ items: [], done: true, next: 1 });
  });

  it('gives every follower of one stream the same items from one shared read', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const followers = Array.from({ length: 200 }, () => log.follow(id, 0));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(4) });
    const results = await Promise.all(followers);
    for (const result of results) expect(result.items).toEqual(results[0]?.items);
    expect(results[0]?.items).toHaveLength(4);
  });

  it('stops waiting when its signal aborts', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const controller = new AbortController();
    const waiting = log.follow(id, 0, { signal: controller.signal });
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
  });

  it('listens to a signal once for all the waits it ends, and its abort ends only the one waiting', async () => {
    const { log } = openLog();
    const id = await createStream(log);
    const controller = new AbortController();
    const listen = vi.spyOn(controller.signal, 'addEventListener');
    const waits = [log.follow(id, 0, { signal: controller.signal })];
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(2) });
    expect((await waits[0])?.items).toHaveLength(2);
    waits.push(log.follow(id, 2, { signal: controller.signal }));
    await log.append({ streamId: id, attempt: 1, at: 2, items: tokens(1) });
    expect((await waits[1])?.items).toHaveLength(1);
    const waiting = log.follow(id, 3, { signal: controller.signal });
    const other = log.follow(id, 3);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(listen).toHaveBeenCalledTimes(1);
    await log.append({ streamId: id, attempt: 1, at: 3, items: tokens(1) });
    expect((await other).items).toHaveLength(1);
  });

  it('ends every wait when told Redis stopped answering, and waits again after', async () => {
    const { log } = openLog();
    const [first, second] = [await createStream(log), await createStream(log)];
    const waits = [log.follow(first, 0), log.follow(first, 0), log.follow(second, 0)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    log.interruptWaits(new SpoolError('redis_unavailable', 'hung'));
    for (const wait of waits) await expect(wait).rejects.toThrow('hung');
    const again = log.follow(first, 0);
    await log.append({ streamId: first, attempt: 1, at: 0, items: tokens(3) });
    expect((await again).items).toHaveLength(3);
  });

  it('rejects followers of an unknown stream with stream_not_found', async () => {
    const { log } = openLog();
    await expect(log.follow('st_AAAAAAAAAAAAAAAAAAAAAA', 0)).rejects.toSatisfy((error) =>
      isSpoolError(error, 'stream_not_found'),
    );
  });

  it('catches up after its subscriber connection is killed', async () => {
    const { log } = openLog({ pollIntervalMs: 60_000 });
    const id = await createStream(log);
    const admin = connectRedis(redis().url);
    try {
      await log.follow(id, 0, { signal: AbortSignal.timeout(1) }).catch(() => {});
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const waiting = log.follow(id, 0);
      await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(2) });
      expect((await waiting).items).toHaveLength(2);
    } finally {
      admin.disconnect();
    }
  });

  it('tails 1,000 streams at once on a constant number of Redis connections', async () => {
    const name = `spool-tail-${Date.now()}`;
    const client = connectRedis(redis().url, { connectionName: name });
    const { log: writer } = openLog();
    const { log } = openLog({ redis: client });
    const ids = await Promise.all(Array.from({ length: 1_000 }, () => createStream(writer)));
    const followers = ids.map((id) => log.follow(id, 0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(log.watchedStreams).toBe(1_000);
    expect(await connectionsNamed(name)).toBe(2);
    await Promise.all(
      ids.map((id) => writer.append({ streamId: id, attempt: 1, at: 0, items: tokens(1) })),
    );
    const results = await Promise.all(followers);
    expect(results.every((result) => result.items.length === 1)).toBe(true);
    expect(await connectionsNamed(name)).toBe(2);
    await log.close();
    client.disconnect();
  });
});
