import type { Item } from '@spool/protocol';
import { findFreePort, getTestRedis, type TestRedis } from '@spool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli-run.ts';
import { type GatewayProcess, TestSystem } from '../support/system.ts';

let redis: TestRedis;
let system: TestSystem;
let gateway: GatewayProcess;
let grpcTarget: string;

beforeAll(async () => {
  redis = await getTestRedis();
  system = new TestSystem({ redis });
  const grpcPort = await findFreePort();
  grpcTarget = `127.0.0.1:${grpcPort}`;
  gateway = await system.startGateway({ SPOOL_GRPC_PORT: String(grpcPort) });
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '500' });
});
afterAll(async () => {
  await system.stop();
  await redis.stop();
});

/** Runs `spool …` as a process against this file's gateway. */
function spool(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { SPOOL_URL: gateway.url, ...env });
}

const textOf = (items: Item[]) =>
  items.map((item) => (item.type === 'token' ? item.text : '')).join('');

describe('the spool CLI', () => {
  it('creates a stream and prints its tokens as they come, exit 0', async () => {
    const run = await spool([
      'create',
      'Tell',
      'me',
      'a',
      'story',
      '--max-tokens',
      '60',
      '--seed',
      '4',
      '--progress',
    ]);
    expect(run.code).toBe(0);
    const id = /stream (st_[\w-]+)/.exec(run.stderr)?.[1] ?? '';
    const items = await system.waitForEnd(id);
    expect(run.stdout).toBe(textOf(items));
    expect(run.stderr).toMatch(/tok\/s/);
    expect(run.stderr).toMatch(/ended \(length\)/);
  });

  it('tails a stream from an offset', async () => {
    const streamId = await system.generate('tail me', { max_tokens: 40 });
    const items = await system.waitForEnd(streamId);
    const run = await spool(['tail', streamId, '--from', '10']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(textOf(items.slice(10)));
  });

  it('prints one JSON chunk per line with --json', async () => {
    const streamId = await system.generate('json please', { max_tokens: 10 });
    await system.waitForEnd(streamId);
    const run = await spool(['tail', streamId, '--json', '--quiet']);
    const chunks = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string });
    expect(chunks.at(-1)).toMatchObject({ kind: 'control', item: { type: 'end' } });
  });

  it('exits 5 for a cancelled stream and 0 for the cancel itself', async () => {
    const streamId = await system.generate('slow', { tokens_per_second: 5, max_tokens: 1_000 });
    await system.log.follow(streamId, 0);
    expect((await spool(['cancel', streamId])).code).toBe(0);
    expect((await spool(['tail', streamId, '--quiet'])).code).toBe(5);
  });

  it('creates and tails over gRPC with --transport grpc', async () => {
    const created = await spool(
      ['create', 'over', 'http2', '--max-tokens', '50', '--seed', '2', '--transport', 'grpc'],
      { SPOOL_GRPC: grpcTarget },
    );
    expect(created.code).toBe(0);
    const id = /stream (st_[\w-]+)/.exec(created.stderr)?.[1] ?? '';
    const items = await system.waitForEnd(id);
    expect(created.stdout).toBe(textOf(items));
    const tail = await spool([
      'tail',
      id,
      '--from',
      '7',
      '--transport',
      'grpc',
      '--grpc',
      grpcTarget,
    ]);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toBe(textOf(items.slice(7)));
    const unknown = await spool(
      ['tail', 'st_AAAAAAAAAAAAAAAAAAAAAA', '--quiet', '--transport', 'grpc'],
      {
        SPOOL_GRPC: grpcTarget,
      },
    );
    expect(unknown.code).toBe(3);
    expect((await spool(['tail', id, '--transport', 'grpc'])).code).toBe(2); // no target
    expect((await spool(['tail', id, '--transport', 'grpc', '--grpc', 'nowhere'])).code).toBe(2);
  });

  it('exits 3 for an unknown stream, 2 for a bad command line, 4 when no gateway answers', async () => {
    expect((await spool(['tail', 'st_AAAAAAAAAAAAAAAAAAAAAA', '--quiet'])).code).toBe(3);
    expect((await spool(['teleport'])).code).toBe(2);
    expect((await spool(['create'])).code).toBe(2);
    expect((await spool(['tail', 'x', '--from', 'minus'])).code).toBe(2);
    const unreachable = await spool(['get', 'st_AAAAAAAAAAAAAAAAAAAAAA'], {
      SPOOL_URL: 'http://127.0.0.1:9',
    });
    expect(unreachable.code).toBe(4);
  });
});
