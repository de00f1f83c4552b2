/**
 * Bounded work per client against a gateway process (issue 13): a WebSocket client that stops
 * reading and floods `resend` frames, and one client that opens every connection it can. Each
 * leaves the gateway's RSS (from /proc) within 50 MB of where it started, and another client
 * meanwhile reads its whole stream.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { answer, readSse, storedStream } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();
const MB = 1024 * 1024;

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
}

/** Samples a process's RSS every 50 ms; `peak()` is the highest so far. */
function watchRss(pid: number) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 50);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

function openWs(url: string, localAddress = '127.0.0.1'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { localAddress });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

/** A well-behaved reader: the whole stream over SSE, from another address. */
function readWhole(url: string, streamId: string) {
  return readSse(`${url}/v1/streams/${streamId}/events`);
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bounded work per client', () => {
  it('closes a non-reading resend flooder as slow_consumer; RSS stays within 50 MB', async () => {
    const system = systemOf();
    const gateway = await system.startGateway();
    const big = await storedStream(system.log, answer(100_000), 1_000);
    const other = await storedStream(system.log, answer(5_000), 500);
    await settle(500);
    const start = rssOf(gateway.service.pid);
    const rss = watchRss(gateway.service.pid);
    const flooder = await openWs(gateway.url);
    const closed = new Promise<number>((resolve) => flooder.on('close', (code) => resolve(code)));
    flooder.on('error', () => {});
    flooder.pause();
    for (let index = 0; index < 200; index += 1) {
      const from = (index * 10_000) % 90_000;
      flooder.send(JSON.stringify({ type: 'resend', stream: big, from, to: from + 10_000 }));
    }
    const read = await readWhole(gateway.url, other);
    expect(read.status).toBe(200);
    expect(read.lastId).toBe('5003');
    await settle(2_000);
    rss.stop();
    expect(await metric(gateway.url, 'spool_slow_consumer_closes_total')).toBe(1);
    flooder.resume();
    expect(await closed).toBeGreaterThan(1000);
    const growth = rss.peak() - start;
    console.log(
      `resend flood: RSS ${Math.round(start / MB)} MB → peak ${Math.round(rss.peak() / MB)} MB`,
    );
    expect(growth).toBeLessThan(50 * MB);
  });

  it('gives one client only its share of the connections, closes its idle sockets, and serves others', async () => {
    const system = systemOf();
    const gateway = await system.startGateway({
      SPOOL_MAX_CONNECTIONS: '400',
      SPOOL_MAX_CONNECTIONS_PER_CLIENT: '100',
      SPOOL_WS_IDLE_MS: '2s',
    });
    const stream = await storedStream(system.log, answer(2_000), 500);
    await settle(500);
    const start = rssOf(gateway.service.pid);
    const rss = watchRss(gateway.service.pid);
    const attempts = await Promise.allSettled(
      Array.from({ length: 400 }, () => openWs(gateway.url, '127.0.0.2')),
    );
    const held = attempts.flatMap((attempt) =>
      attempt.status === 'fulfilled' ? [attempt.value] : [],
    );
    expect(held.length).toBe(100);
    expect(
      String((attempts.find((a) => a.status === 'rejected') as PromiseRejectedResult).reason),
    ).toMatch(/429/);
    // Another client (another address) still gets in, and reads its whole stream.
    const read = await readWhole(gateway.url, stream);
    expect(read.status).toBe(200);
    expect(read.lastId).toBe('2003');
    const other = await openWs(gateway.url);
    other.send(JSON.stringify({ type: 'subscribe', stream, from: 0 }));
    // The hog's idle sockets are closed after SPOOL_WS_IDLE_MS; the subscribed one is not.
    const codes = await Promise.all(
      held.map(
        (socket) => new Promise<number>((resolve) => socket.on('close', (code) => resolve(code))),
      ),
    );
    expect(new Set(codes)).toEqual(new Set([1000]));
    expect(other.readyState).toBe(WebSocket.OPEN);
    other.close();
    rss.stop();
    const growth = rss.peak() - start;
    console.log(
      `connection hog: RSS ${Math.round(start / MB)} MB → peak ${Math.round(rss.peak() / MB)} MB`,
    );
    expect(growth).toBeLessThan(50 * MB);
  });

  it('drops a request whose body drips in slower than SPOOL_REQUEST_TIMEOUT_MS', async () => {
    const system = systemOf();
    const gateway = await system.startGateway({ SPOOL_REQUEST_TIMEOUT_MS: '1s' });
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const request = http.request(`${gateway.url}/v1/streams`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      request.on('response', (response) => resolve(`status ${response.statusCode}`));
      request.on('error', (error) => resolve(`error ${error.message}`));
      request.write('{"messages": [');
      const drip = setInterval(() => request.write(' '), 200);
      request.on('close', () => clearInterval(drip));
    });
    expect(outcome).toMatch(/status 408|error/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
