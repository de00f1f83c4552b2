/**
 * Epochs against a real redis-server that is SIGKILLed and restarted on its AOF (its run id
 * changes, as after any crash or failover).
 */
import { readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '@spool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../src/connect.ts';
import { parseNotification } from '../src/notification-codec.ts';
import { RedisTokenLog } from '../src/redis-token-log.ts';
import { createStream, tokens } from './fixture.ts';

const opened: { server: RedisServer; clients: RedisClient[]; logs: RedisTokenLog[] }[] = [];

afterEach(async () => {
  for (const { server, clients, logs } of opened.splice(0)) {
    for (const log of logs) await log.close();
    for (const client of clients) client.disconnect();
    await server.stop();
  }
});

async function aofServer() {
  const server = await startRedisServer({ appendOnly: true, appendFsync: 'always' });
  const entry = { server, clients: [] as RedisClient[], logs: [] as RedisTokenLog[] };
  opened.push(entry);
  const open = () => {
    const client = connectRedis(server.url, { maxRetriesPerRequest: null });
    const log = new RedisTokenLog({ redis: client, keyPrefix: 'epoch:' });
    entry.clients.push(client);
    entry.logs.push(log);
    return { client, log };
  };
  return { server, open };
}

async function incrementalAof(dir: string): Promise<string> {
  const aofDir = join(dir, 'appendonlydir');
  const name = (await readdir(aofDir)).find((file) => file.endsWith('.incr.aof'));
  if (name === undefined) throw new Error(`No incremental AOF in ${aofDir}`);
  return join(aofDir, name);
}

describe('stream epochs', () => {
  it('gives a new stream the epoch of the server run, starting at 0', async () => {
    const { open } = await aofServer();
    const { log } = open();
    const id = await createStream(log);
    const meta = await log.meta(id);
    expect(meta.epoch).toMatch(/^[0-9a-f]{8}$/);
    expect(meta.epochs).toEqual([{ epoch: meta.epoch, from: 0 }]);
    await log.append({ streamId: id, attempt: 1, at: 0, items: tokens(3) });
    expect((await log.read(id, 0)).epoch).toBe(meta.epoch);
    expect((await log.meta(id)).epochs).toHaveLength(1);
  });

  it('starts a new epoch at the length when another server run appends, and publishes it', async () => {
    const { server, open } = await aofServer();
    const first = open();
    const id = await createStream(first.log);
    await first.log.append({ streamId: id, attempt: 1, at: 0, items: tokens(5) });
    const before = await first.log.meta(id);
    await server.kill('SIGKILL');
    await server.restart();
    const { client, log } = open();
    // Reads before the next write still show the old epoch: nothing was rewritten yet.
    expect((await log.read(id, 0)).epoch).toBe(before.epoch);
    const subscriber = client.duplicate();
    const messages: string[] = [];
    subscriber.on('smessage', (_channel: string, message: string) => messages.push(message));
    await subscriber.ssubscribe(`epoch:{${id}}:events`);
    await log.append({ streamId: id, attempt: 1, at: 5, items: tokens(2) });
    const after = await log.meta(id);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.epochs).toEqual([
      { epoch: before.epoch, from: 0 },
      { epoch: after.epoch, from: 5 },
    ]);
    const read = await log.read(id, 0);
    expect(read.epoch).toBe(after.epoch);
    expect(read.items).toHaveLength(7);
    await expect.poll(() => messages.length).toBe(1);
    expect(parseNotification(messages[0] ?? '')?.epoch).toBe(after.epoch);
    // Later appends of the same run keep it.
    await log.append({ streamId: id, attempt: 1, at: 7, items: tokens(1) });
    expect((await log.meta(id)).epochs).toHaveLength(2);
    subscriber.disconnect();
  });

  it('after a lost tail, starts the new epoch where the log now ends', async () => {
    const { server, open } = await aofServer();
    const first = open();
    const id = await createStream(first.log);
    await first.log.append({ streamId: id, attempt: 1, at: 0, items: tokens(4) });
    const aof = await incrementalAof(server.dir);
    const durable = (await stat(aof)).size;
    await first.log.append({ streamId: id, attempt: 1, at: 4, items: tokens(6) });
    const before = await first.log.meta(id);
    expect(before.length).toBe(10);
    // A power loss: the last append never reached the disk.
    await server.kill('SIGKILL');
    await truncate(aof, durable);
    await server.restart();
    const { log } = open();
    expect((await log.meta(id)).length).toBe(4);
    // The producer still believes in 10: refused, with the length the log really has.
    await expect(
      log.append({ streamId: id, attempt: 1, at: 10, items: tokens(1) }),
    ).rejects.toMatchObject({ code: 'offset_conflict', details: { value: 4 } });
    await log.append({ streamId: id, attempt: 1, at: 4, items: tokens(3, 0, 'other') });
    const after = await log.meta(id);
    expect(after.epochs).toEqual([
      { epoch: before.epoch, from: 0 },
      { epoch: after.epoch, from: 4 },
    ]);
  });

  it("starts a new epoch where a promoted replica's log ends, when the master died before it had everything", async () => {
    const { server: master, open } = await aofServer();
    const replica = await startRedisServer();
    opened.push({ server: replica, clients: [], logs: [] });
    const onMaster = open();
    const replicaClient = connectRedis(replica.url, { maxRetriesPerRequest: null });
    opened.at(-1)?.clients.push(replicaClient);
    await onMaster.client.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
    await replicaClient.call('REPLICAOF', master.host, String(master.port));
    await expect
      .poll(async () => /master_link_status:up/.test(await replicaClient.info('replication')), {
        timeout: 15_000,
      })
      .toBe(true);
    const id = await createStream(onMaster.log);
    await onMaster.log.append({ streamId: id, attempt: 1, at: 0, items: tokens(5) });
    await onMaster.client.call('WAIT', '1', '2000');
    const before = await onMaster.log.meta(id);
    // A failover during a partition: the replica is promoted while the old master still
    // acknowledges appends (readers may see them), then the old master dies.
    await replicaClient.call('REPLICAOF', 'NO', 'ONE');
    await onMaster.log.append({ streamId: id, attempt: 1, at: 5, items: tokens(4) });
    await master.kill('SIGKILL');
    const promoted = new RedisTokenLog({ redis: replicaClient, keyPrefix: 'epoch:' });
    opened.at(-1)?.logs.push(promoted);
    expect((await promoted.meta(id)).length).toBe(5);
    await promoted.append({ streamId: id, attempt: 1, at: 5, items: tokens(2, 0, 'other') });
    const after = await promoted.meta(id);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.epochs).toEqual([
      { epoch: before.epoch, from: 0 },
      { epoch: after.epoch, from: 5 },
    ]);
  });
});
