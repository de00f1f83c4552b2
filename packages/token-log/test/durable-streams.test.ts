import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connect.ts';
import type { DurableStreamConfig } from '../src/durable-stream-types.ts';
import { RedisDurableStreams } from '../src/durable-streams.ts';
import { durableStreamKeys } from '../src/redis-keys.ts';
import { scriptSource } from '../src/scripts.ts';

const redis = redisPerFile();
const opened: { store: RedisDurableStreams; client: ReturnType<typeof connectRedis> }[] = [];

afterAll(async () => {
  for (const { store, client } of opened) {
    await store.close();
    client.disconnect();
  }
});

function open() {
  const client = connectRedis(redis().url, { connectionName: 'spool-test' });
  const store = new RedisDurableStreams({ redis: client, keyPrefix: redis().keyPrefix });
  opened.push({ store, client });
  return { store, client };
}

const name = () => `ds-${randomUUID()}`;
const bytes = (text: string) => Buffer.from(text, 'utf8');
const TEXT: DurableStreamConfig = {
  contentType: 'text/plain',
  mediaType: 'text/plain',
  closed: false,
  forkSubOffset: 0,
};

/** Every key and field of a stream, for "changes nothing" checks. */
async function snapshot(client: ReturnType<typeof connectRedis>, stream: string) {
  const keys = durableStreamKeys(redis().keyPrefix, stream);
  return {
    meta: await client.hgetall(keys.meta),
    log: await client.xrange(keys.log, '-', '+'),
    producers: await client.hgetall(keys.producers),
  };
}

describe('Durable Streams scripts', () => {
  it.each(['ds-create', 'ds-append', 'ds-read', 'ds-fork-hold', 'ds-delete'])(
    '%s opens with its header and has its includes in place',
    (file) => {
      const path = `../src/lua/durable-streams/${file}.lua`;
      const raw = readFileSync(new URL(path, import.meta.url), 'utf8');
      expect(raw).toMatch(/^--\[\[\n {2}\S[\s\S]*?KEYS\[1\][\s\S]*?\n\s*Output: /);
      expect(scriptSource(`durable-streams/${file}.lua`)).not.toMatch(/@include/);
    },
  );

  it('keeps every key of a stream under one hash tag, whatever its name holds', () => {
    const keys = Object.values(durableStreamKeys('p:', 'a/{b}:c'));
    const tags = new Set(keys.map((key) => key.match(/\{[^}]*\}/)?.[0]));
    expect(tags.size).toBe(1);
  });

  it('creates idempotently and refuses another configuration', async () => {
    const { store } = open();
    const stream = name();
    expect(await store.create(stream, TEXT, [bytes('a')])).toEqual({
      status: 'created',
      length: 1,
      closed: false,
    });
    expect(await store.create(stream, TEXT, [])).toEqual({
      status: 'exists',
      length: 1,
      closed: false,
    });
    expect(await store.create(stream, { ...TEXT, mediaType: 'application/json' }, [])).toEqual({
      status: 'conflict',
    });
    expect(await store.create(stream, { ...TEXT, ttlSeconds: 60 }, [])).toEqual({
      status: 'conflict',
    });
  });

  it('round-trips binary bodies byte for byte', async () => {
    const { store } = open();
    const stream = name();
    const body = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    await store.create(stream, { ...TEXT, mediaType: 'application/octet-stream' }, []);
    await store.append(stream, {
      mediaType: 'application/octet-stream',
      close: false,
      entries: [body],
    });
    const read = await store.read(stream, { from: 0, limit: 10, touch: true });
    expect(read.status === 'ok' && read.entries).toEqual([body]);
  });

  it('answers producers: accepted, duplicate, gap, stale epoch, new epoch at 0', async () => {
    const { store } = open();
    const stream = name();
    await store.create(stream, TEXT, []);
    const append = (epoch: number, seq: number) =>
      store.append(stream, {
        mediaType: 'text/plain',
        producer: { id: 'p', epoch, seq },
        close: false,
        entries: [bytes(`${epoch}.${seq}`)],
      });
    expect(await append(0, 0)).toEqual({ status: 'ok', length: 1, closed: false });
    expect(await append(0, 0)).toEqual({
      status: 'duplicate',
      lastSeq: 0,
      length: 1,
      closed: false,
    });
    expect(await append(0, 2)).toEqual({ status: 'gap', expected: 1, received: 2 });
    expect(await append(1, 1)).toEqual({ status: 'epoch_seq' });
    expect(await append(1, 0)).toEqual({ status: 'ok', length: 2, closed: false });
    expect(await append(0, 1)).toEqual({ status: 'stale_epoch', epoch: 1 });
  });

  it('changes nothing when an append is refused', async () => {
    const { store, client } = open();
    const stream = name();
    await store.create(stream, TEXT, [bytes('a')]);
    await store.append(stream, {
      mediaType: 'text/plain',
      streamSeq: 'b',
      close: false,
      entries: [bytes('b')],
    });
    const before = await snapshot(client, stream);
    const refusals = [
      { mediaType: 'application/json', close: false, entries: [bytes('1')] },
      { mediaType: 'text/plain', streamSeq: 'a', close: false, entries: [bytes('x')] },
      {
        mediaType: 'text/plain',
        producer: { id: 'q', epoch: 0, seq: 3 },
        close: true,
        entries: [bytes('x')],
      },
    ];
    for (const refused of refusals) {
      expect((await store.append(stream, refused)).status).not.toBe('ok');
    }
    const after = await snapshot(client, stream);
    expect({ ...after, meta: { ...after.meta, accessed: '' } }).toEqual({
      ...before,
      meta: { ...before.meta, accessed: '' },
    });
  });

  it('closes with or without a last append, and refuses appends after', async () => {
    const { store } = open();
    const stream = name();
    await store.create(stream, TEXT, []);
    expect(
      await store.append(stream, { mediaType: 'text/plain', close: true, entries: [bytes('end')] }),
    ).toEqual({ status: 'ok', length: 1, closed: true });
    expect(await store.append(stream, { close: true, entries: [] })).toEqual({
      status: 'ok',
      length: 1,
      closed: true,
    });
    expect(
      await store.append(stream, { mediaType: 'text/plain', close: false, entries: [bytes('x')] }),
    ).toEqual({ status: 'closed', length: 1 });
  });

  it('soft-deletes a source that forks hold, and deletes it with its last fork', async () => {
    const { store } = open();
    const source = name();
    const fork = name();
    await store.create(source, TEXT, [bytes('a'), bytes('b')]);
    const hold = await store.holdSource(source, 1);
    expect(hold).toMatchObject({ status: 'ok', forkOffset: 1, length: 2 });
    await store.create(fork, { ...TEXT, forkedFrom: source, forkOffset: 1 }, [bytes('a')]);
    expect(await store.delete(source)).toBe('soft');
    expect((await store.read(source, { from: 0, limit: 1, touch: false })).status).toBe('gone');
    expect((await store.create(source, TEXT, [])).status).toBe('gone');
    expect(await store.delete(fork)).toBe('deleted');
    expect((await store.read(source, { from: 0, limit: 1, touch: false })).status).toBe('missing');
  });

  it('expires a stream after its TTL without reads', async () => {
    const { store } = open();
    const stream = name();
    await store.create(stream, { ...TEXT, ttlSeconds: 1 }, [bytes('a')]);
    expect((await store.read(stream, { from: 0, limit: 1, touch: false })).status).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await store.read(stream, { from: 0, limit: 1, touch: false })).status).toBe('missing');
  });

  it('wakes a watcher at an append', async () => {
    const { store } = open();
    const stream = name();
    await store.create(stream, TEXT, []);
    const watch = await store.watch(stream);
    const woken = watch.next(5_000, new AbortController().signal);
    await store.append(stream, { mediaType: 'text/plain', close: false, entries: [bytes('a')] });
    expect(await woken).toBe(true);
    expect(await watch.next(50, new AbortController().signal)).toBe(false);
    watch.stop();
  });
});
