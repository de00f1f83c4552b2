import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts';

/** An echo server: answers every byte it gets. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, port: address.port };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  faults: Omit<FaultProxyOptions, 'target'> = {},
): Promise<{ proxy: FaultProxy; client: Socket; received: () => string }> {
  const echo = await echoServer();
  cleanups.push(() => new Promise<void>((resolve) => echo.server.close(() => resolve())));
  const proxy = await startFaultProxy({
    target: { host: '127.0.0.1', port: echo.port },
    ...faults,
  });
  cleanups.push(() => proxy.close());
  const client = tcpConnect(proxy.port, '127.0.0.1');
  cleanups.push(() => void client.destroy());
  await once(client, 'connect');
  let text = '';
  client.on('data', (data: Buffer) => {
    text += data.toString();
  });
  return { proxy, client, received: () => text };
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fault proxy', () => {
  it('forwards bytes both ways', async () => {
    const { client, received, proxy } = await setup();
    client.write('hello');
    await until(() => received() === 'hello');
    expect(proxy.open).toBe(1);
    expect(proxy.accepted).toBe(1);
  });

  it('delays each piece of data', async () => {
    const { client, received } = await setup({ delayMs: 150 });
    const started = Date.now();
    client.write('late');
    await until(() => received() === 'late');
    // Both directions are delayed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('throttles to a byte rate', async () => {
    const { client, received } = await setup({ bytesPerSecond: 1_000 });
    const started = Date.now();
    // 300 bytes at 1000 B/s leave in three slices, 100 ms apart each way (unthrottled: ~1 ms).
    client.write('x'.repeat(300));
    await until(() => received().length === 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('goes silent while keeping the connection open', async () => {
    const { client, received, proxy } = await setup();
    client.write('a');
    await until(() => received() === 'a');
    proxy.silence();
    client.write('b');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received()).toBe('a');
    expect(client.destroyed).toBe(false);
    expect(proxy.open).toBe(1);
    expect(proxy.silenced).toBe(1);
  });

  it('silences a connection from the piece of data that matches', async () => {
    const { client, received } = await setup({
      silenceWhen: (data, direction) => direction === 'downstream' && data.includes('stop'),
    });
    client.write('go');
    await until(() => received() === 'go');
    client.write('stop');
    client.write('more');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received()).toBe('go');
    expect(client.destroyed).toBe(false);
  });

  it('lets new connections through after a silence', async () => {
    const { proxy } = await setup();
    proxy.silence();
    const next = tcpConnect(proxy.port, '127.0.0.1');
    cleanups.push(() => void next.destroy());
    let text = '';
    next.on('data', (data: Buffer) => {
      text += data.toString();
    });
    next.write('fresh');
    await until(() => text === 'fresh');
  });

  it('cuts open connections', async () => {
    const { client, proxy } = await setup();
    const closed = once(client, 'close');
    proxy.cut();
    await closed;
    expect(proxy.open).toBe(0);
  });
});
