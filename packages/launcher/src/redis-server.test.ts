import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from './redis-server.ts';

const started: RedisServer[] = [];

async function start(options?: Parameters<typeof startRedisServer>[0]): Promise<RedisServer> {
  const server = await startRedisServer(options);
  started.push(server);
  return server;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

describe('startRedisServer', () => {
  it('answers PING once started and leaves no process or directory after stop', async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await withClient(server.url, (client) => client.ping())).toBe('PONG');
    expect(isAlive(server.pid)).toBe(true);

    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
    expect(await exists(server.dir)).toBe(false);
  });

  it('runs with the configured policy and no RDB snapshots', async () => {
    const server = await start();
    const config = await withClient(server.url, async (client) => ({
      policy: await client.config('GET', 'maxmemory-policy'),
      save: await client.config('GET', 'save'),
      appendonly: await client.config('GET', 'appendonly'),
    }));
    expect(config).toEqual({
      policy: ['maxmemory-policy', 'noeviction'],
      save: ['save', ''],
      appendonly: ['appendonly', 'no'],
    });
  });

  it('keeps the data directory when killed', async () => {
    const server = await start();
    await server.kill('SIGKILL');
    expect(isAlive(server.pid)).toBe(false);
    expect(await exists(server.dir)).toBe(true);
  });

  it('reloads acknowledged writes from the AOF after a SIGKILL and restart', async () => {
    const server = await start({ appendOnly: true, appendFsync: 'always' });
    await withClient(server.url, async (client) => {
      for (let index = 0; index < 100; index++) await client.set(`key:${index}`, `value:${index}`);
      await client.xadd('stream', '*', 'token', 'hello');
    });
    const firstPid = server.pid;

    await server.kill('SIGKILL');
    await server.restart();

    expect(server.pid).not.toBe(firstPid);
    const readBack = await withClient(server.url, async (client) => ({
      size: await client.dbsize(),
      last: await client.get('key:99'),
      stream: await client.xlen('stream'),
    }));
    expect(readBack).toEqual({ size: 101, last: 'value:99', stream: 1 });
  });

  it('restarts a running server on the same port', async () => {
    const server = await start();
    const firstPid = server.pid;
    await server.restart();
    expect(isAlive(firstPid)).toBe(false);
    expect(await withClient(server.url, (client) => client.ping())).toBe('PONG');
  });

  it('fails to restart when its port was taken meanwhile, and names the reason', async () => {
    const server = await start();
    await server.kill();
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(server.port, '127.0.0.1', resolve));
    try {
      await expect(server.restart()).rejects.toThrow(/Address already in use/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('fails with the server output when redis-server refuses its arguments', async () => {
    await expect(startRedisServer({ extraArgs: ['--no-such-directive', 'x'] })).rejects.toThrow(
      /exited before answering PING[\s\S]*no-such-directive/,
    );
  });
});
