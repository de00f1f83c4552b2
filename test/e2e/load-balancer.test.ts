/**
 * The compose topology behind its real load balancer: Redis, 3 gateways and 2 workers (the
 * production bundles) behind Debian's HAProxy running infra/haproxy/haproxy.cfg, the file
 * docker-compose.yml mounts. A DNS server of the test resolves the gateways' name as Docker's
 * does for a scaled service. Streams go through it over SSE and WebSocket, resume across
 * gateways, and survive a gateway drained with SIGTERM mid-stream.
 */
import { type Chunk, SpoolClient } from '@spool/client';
import { getTestRedis, type ServiceProcess, type TestRedis } from '@spool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../support/system.ts';
import { type DnsServer, startDnsServer } from './load-balancer/dns-server.ts';
import {
  checkConfig,
  findHaproxy,
  type Haproxy,
  type HaproxyEnvironment,
  startHaproxy,
} from './load-balancer/haproxy.ts';
import {
  type BundledGateway,
  buildBundles,
  findFreePort,
  offsetsOf,
  readSseResuming,
  scrape,
  startBundledGateway,
  startBundledWorker,
  textOf,
  waitFor,
} from './load-balancer/topology.ts';

const HAPROXY = findHaproxy();
const GATEWAYS_NAME = 'gateways.spool.test';
const GATEWAY_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

describe.skipIf(HAPROXY === undefined)(
  HAPROXY
    ? 'the compose topology behind HAProxy'
    : 'the compose topology behind HAProxy (skipped: no haproxy binary; .ci/run installs it)',
  () => {
    const binary = HAPROXY ?? 'haproxy';
    let redis: TestRedis;
    let system: TestSystem;
    let dns: DnsServer;
    let haproxy: Haproxy;
    let environment: HaproxyEnvironment;
    let gatewayPort = 0;
    const gateways: BundledGateway[] = [];
    const workers: ServiceProcess[] = [];

    const servers = async () => (await haproxy.servers()).filter((server) => server.address);
    const upAddresses = async () =>
      (await servers())
        .filter((server) => server.status === 'UP')
        .map((server) => server.address)
        .sort();
    const addressesOf = (count: number) =>
      GATEWAY_HOSTS.slice(0, count).map((host) => `${host}:${gatewayPort}`);
    const client = (transport: 'ws' | 'sse') =>
      new SpoolClient({
        baseUrl: haproxy.url,
        transport,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      });

    beforeAll(async () => {
      buildBundles();
      redis = await getTestRedis();
      system = new TestSystem({ redis });
      dns = await startDnsServer();
      gatewayPort = await findFreePort();
      const env = system.env({ SPOOL_ID_SECRET: 'load-balancer-test', SPOOL_LOG_LEVEL: 'info' });
      for (const [index, host] of GATEWAY_HOSTS.entries()) {
        gateways.push(
          await startBundledGateway({ index: index + 1, host, port: gatewayPort, env }),
        );
      }
      workers.push(await startBundledWorker(1, env), await startBundledWorker(2, env));
      // Two of the three to begin with: the scale test adds the third.
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS.slice(0, 2));
      environment = {
        LB_PORT: String(await findFreePort()),
        LB_STATS_PORT: String(await findFreePort()),
        LB_GATEWAYS: `${GATEWAYS_NAME}:${gatewayPort}`,
        LB_DNS: dns.address,
        LB_MAX_GATEWAYS: '8',
      };
      haproxy = await startHaproxy(binary, environment);
    }, 120_000);

    afterAll(async () => {
      await haproxy?.stop();
      await Promise.all(
        [...gateways, ...workers.map((service) => ({ service }))].map(({ service }) =>
          service.stop(5_000),
        ),
      );
      await system?.stop();
      await dns?.close();
      await redis?.stop();
    });

    it('accepts the configuration (haproxy -c)', async () => {
      expect(await checkConfig(binary, environment)).toMatch(/Configuration file is valid/);
    });

    it('follows gateways added to and removed from their DNS name, as --scale does', async () => {
      await waitFor('two gateways in rotation', async () =>
        equal(await upAddresses(), addressesOf(2)),
      );
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS);
      const joinedMs = await waitFor('the third gateway in rotation', async () =>
        equal(await upAddresses(), addressesOf(3)),
      );
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS.slice(0, 2));
      const leftMs = await waitFor('the third gateway out of rotation', async () =>
        equal(await upAddresses(), addressesOf(2)),
      );
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS);
      await waitFor('three gateways in rotation', async () =>
        equal(await upAddresses(), addressesOf(3)),
      );
      console.log(
        `load balancer: a gateway added to DNS was in rotation after ${Math.round(joinedMs)} ms, ` +
          `one removed was out after ${Math.round(leftMs)} ms (${dns.queries(GATEWAYS_NAME)} queries)`,
      );
    }, 60_000);

    it('streams SSE and WebSocket through it, unbuffered, spread over the gateways', async () => {
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS);
      await waitFor('three gateways in rotation', async () => (await upAddresses()).length === 3);
      const sentBefore = await Promise.all(
        gateways.map((gateway) => scrape(gateway, 'spool_items_sent_total')),
      );
      const creator = client('sse');
      const streams = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          creator.create({
            prompt: `Through the load balancer, ${index}.`,
            params: { seed: index, max_tokens: 120, tokens_per_second: 60 },
          }),
        ),
      );
      const started = performance.now();
      let firstItemMs = Number.POSITIVE_INFINITY;
      const readers = streams.map(async ({ id }, index) => {
        if (index % 2 === 1) {
          const result = await readSseResuming(`${haproxy.url}/v1/streams/${id}/events`);
          return { id, offsets: offsetsOf(result.messages), text: textOf(result.messages) };
        }
        const reader = client('ws');
        const chunks: Chunk[] = [];
        for await (const chunk of reader.stream(id)) {
          firstItemMs = Math.min(firstItemMs, performance.now() - started);
          chunks.push(chunk);
        }
        reader.close();
        return { id, offsets: offsetsOf(chunks), text: textOf(chunks) };
      });
      const results = await Promise.all(readers);
      const totalMs = performance.now() - started;
      creator.close();
      for (const result of results) await expectWholeStream(result);
      // The first token came while the streams were still running: nothing held them back.
      expect(firstItemMs).toBeLessThan(totalMs / 2);
      const sentAfter = await Promise.all(
        gateways.map((gateway) => scrape(gateway, 'spool_items_sent_total')),
      );
      const sent = sentAfter.map((after, index) => after - (sentBefore[index] ?? 0));
      console.log(`load balancer: items sent per gateway ${sent.join(' / ')}`);
      expect(sent.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    }, 60_000);

    it('resumes by Last-Event-ID on other gateways, losing and repeating nothing', async () => {
      const resumesBefore = await Promise.all(
        gateways.map((gateway) => scrape(gateway, 'spool_resumes_total')),
      );
      const creator = client('sse');
      const { id } = await creator.create({
        prompt: 'Resume me across gateways.',
        params: { seed: 7, max_tokens: 200, tokens_per_second: 100 },
      });
      creator.close();
      // A new connection every 8 events: each one a resume, balanced over the gateways.
      const result = await readSseResuming(`${haproxy.url}/v1/streams/${id}/events`, {
        stopEachAfter: 8,
      });
      await expectWholeStream({
        id,
        offsets: offsetsOf(result.messages),
        text: textOf(result.messages),
      });
      const resumes = (
        await Promise.all(gateways.map((gateway) => scrape(gateway, 'spool_resumes_total')))
      ).map((after, index) => after - (resumesBefore[index] ?? 0));
      console.log(
        `load balancer: ${result.connections} connections; resumes per gateway ${resumes.join(' / ')}`,
      );
      expect(result.connections).toBeGreaterThan(3);
      expect(resumes.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    }, 60_000);

    it('drains a gateway at SIGTERM while clients stream: they resume on the others', async () => {
      dns.set(GATEWAYS_NAME, GATEWAY_HOSTS);
      await waitFor('three gateways in rotation', async () => (await upAddresses()).length === 3);
      const creator = client('sse');
      const streams = await Promise.all(
        Array.from({ length: 18 }, (_, index) =>
          creator.create({
            prompt: `Drain under me, ${index}.`,
            params: { seed: 100 + index, max_tokens: 250, tokens_per_second: 50 },
          }),
        ),
      );
      const readers = streams.map(async ({ id }, index) => {
        if (index % 3 === 0) {
          const result = await readSseResuming(`${haproxy.url}/v1/streams/${id}/events`);
          return {
            id,
            offsets: offsetsOf(result.messages),
            text: textOf(result.messages),
            pauseMs: result.longestPauseMs,
          };
        }
        const reader = client(index % 3 === 1 ? 'ws' : 'sse');
        const chunks: Chunk[] = [];
        let lastAt = performance.now();
        let pauseMs = 0;
        for await (const chunk of reader.stream(id)) {
          pauseMs = Math.max(pauseMs, performance.now() - lastAt);
          lastAt = performance.now();
          chunks.push(chunk);
        }
        reader.close();
        return { id, offsets: offsetsOf(chunks), text: textOf(chunks), pauseMs };
      });
      // Mid-stream: drain the gateway that holds the most connections.
      await waitFor('every reader connected', async () => {
        const open = await Promise.all(gateways.map((g) => scrape(g, 'spool_connections')));
        return open.reduce((sum, count) => sum + count, 0) >= 12;
      });
      const open = await Promise.all(gateways.map((g) => scrape(g, 'spool_connections')));
      const drained = gateways[open.indexOf(Math.max(...open))];
      if (!drained) throw new Error('no gateway to drain');
      const drainStarted = performance.now();
      const exit = drained.service.kill('SIGTERM');
      // Creates during the drain: a 503 from the draining gateway is retried on another one.
      const duringDrain = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          creator.create({ prompt: `During the drain ${index}`, params: { max_tokens: 5 } }),
        ),
      );
      // A drain that fails or outlives its grace exits 1: the gateway's last lines say why.
      expect((await exit).code, drained.service.outputTail()).toBe(0);
      const drainMs = performance.now() - drainStarted;
      const results = await Promise.all(readers);
      creator.close();
      for (const result of [...results]) await expectWholeStream(result);
      for (const { id } of duringDrain)
        expect((await system.waitForEnd(id)).length).toBeGreaterThan(0);
      const drainedAddress = `${drained.host}:${gatewayPort}`;
      await waitFor(
        'the drained gateway out of rotation',
        async () => !(await upAddresses()).includes(drainedAddress),
      );
      const longest = Math.max(...results.map((result) => result.pauseMs));
      console.log(
        `load balancer: drained ${drained.host} (${open.join(' / ')} connections) in ` +
          `${Math.round(drainMs)} ms; the longest pause a reader saw was ${Math.round(longest)} ms`,
      );
      expect(longest).toBeLessThan(5_000);
    }, 90_000);

    async function expectWholeStream(result: { id: string; offsets: number[]; text: string }) {
      const items = await system.waitForEnd(result.id);
      expect(result.offsets).toEqual(items.map((item) => item.offset));
      expect(result.text).toBe(
        items.map((item) => (item.type === 'token' ? item.text : '')).join(''),
      );
    }
  },
);

function equal(actual: string[], expected: string[]): boolean {
  return JSON.stringify(actual) === JSON.stringify(expected);
}
