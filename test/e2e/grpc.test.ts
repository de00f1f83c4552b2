/**
 * The gRPC service with real processes (gateways, a worker, Redis) and the official grpc-js
 * client: a stream created over gRPC, read with `Read` on one gateway that is SIGKILLed by PID
 * mid-stream, resumed from the last offset on another; and `Connect` carrying several streams
 * with acks. Every item arrives once, the text identical to the log.
 */
import { credentials, type ServiceError } from '@grpc/grpc-js';
import type { ServerFrame__Output } from '@spool/grpc';
import { loadTokenStreamProto, type TokenStreamClient } from '@spool/grpc';
import type { Item } from '@spool/protocol';
import { findFreePort } from '@spool/testing';
import { describe, expect, it } from 'vitest';
import { systemPerTest } from '../support/system.ts';

const systemOf = systemPerTest();

async function startGrpcGateway() {
  const system = systemOf();
  const port = await findFreePort();
  const gateway = await system.startGateway({ SPOOL_GRPC_PORT: String(port) });
  const proto = loadTokenStreamProto();
  const client = new proto.spool.v1.TokenStream(`127.0.0.1:${port}`, credentials.createInsecure());
  return { gateway, client };
}

function create(client: TokenStreamClient, prompt: string, params: object): Promise<string> {
  return new Promise((resolve, reject) =>
    client.Create({ prompt, params }, (error, answer) =>
      error ? reject(error) : resolve(answer?.id ?? ''),
    ),
  );
}

/** `{ fields: … }` of a google.protobuf.Struct holding numbers. */
function numbers(values: Record<string, number>) {
  return {
    fields: Object.fromEntries(
      Object.entries(values).map(([key, value]) => [key, { numberValue: value }]),
    ),
  };
}

function tokenText(items: Item[]): string {
  return items.map((item) => (item.type === 'token' ? item.text : '')).join('');
}

describe('gRPC with real processes', () => {
  it('resumes a Read on another gateway after its gateway is SIGKILLed: every item once', async () => {
    const system = systemOf();
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '200' });
    const first = await startGrpcGateway();
    const second = await startGrpcGateway();
    const streamId = await create(
      first.client,
      'Tell me about HTTP/2.',
      numbers({ max_tokens: 300, seed: 4 }),
    );
    const offsets: number[] = [];
    let text = '';
    const take = (frame: ServerFrame__Output) => {
      const chunk = frame.chunk;
      if (!chunk) return;
      for (let offset = chunk.from; offset < chunk.to; offset++) offsets.push(offset);
      text += chunk.tokens?.text ?? '';
    };
    let killed = false;
    const cut = await new Promise<ServiceError>((resolve) => {
      const call = first.client.Read({ stream: streamId });
      call.on('data', (frame: ServerFrame__Output) => {
        take(frame);
        if (offsets.length >= 40 && !killed) {
          killed = true;
          void first.gateway.service.kill('SIGKILL');
        }
      });
      call.on('error', resolve);
    });
    expect(cut.code).toBe(14); // UNAVAILABLE: the connection is gone
    expect((await system.log.meta(streamId)).status).not.toBe('done'); // really cut mid-way
    const from = (offsets.at(-1) ?? -1) + 1;
    await new Promise<void>((resolve, reject) => {
      const call = second.client.Read({ stream: streamId, from });
      call.on('data', take);
      call.on('error', reject);
      call.on('end', resolve);
    });
    const items = await system.waitForEnd(streamId);
    expect(offsets).toEqual(items.map((item) => item.offset));
    expect(text).toBe(tokenText(items));
    first.client.close();
    second.client.close();
  });

  it('carries several streams on one Connect call with windows and acks', async () => {
    const system = systemOf();
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0' });
    const { client } = await startGrpcGateway();
    const ids = await Promise.all(
      [1, 2, 3].map((seed) => create(client, 'Hi', numbers({ max_tokens: 80, seed }))),
    );
    const texts = new Map<string, string>(ids.map((id) => [id, '']));
    const ended = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const call = client.Connect();
      call.on('error', reject);
      call.on('data', (frame: ServerFrame__Output) => {
        const chunk = frame.chunk;
        if (frame.error) reject(new Error(`${frame.error.code}: ${frame.error.message}`));
        if (!chunk) return;
        texts.set(chunk.stream, (texts.get(chunk.stream) ?? '') + (chunk.tokens?.text ?? ''));
        call.write({ ack: { stream: chunk.stream, offset: chunk.to } });
        if (chunk.end) ended.add(chunk.stream);
        if (ended.size === ids.length) {
          call.end();
          resolve();
        }
      });
      for (const stream of ids) call.write({ subscribe: { stream, from: 0, window: 8 } });
    });
    for (const id of ids) expect(texts.get(id)).toBe(tokenText(await system.waitForEnd(id)));
    client.close();
  });
});
