/**
 * gRPC with access control on: `Create` needs an API key in the `authorization` metadata and
 * answers the read token in its response metadata; `Read` needs that token (or the key).
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { ServerFrame__Output, TokenStreamClient } from '@spool/grpc';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClientOf, startTestGateway, type TestGateway } from './support.ts';

const KEY = 'grpc-key-0123456789abcdef';
const redis = redisPerFile();
let gateway: TestGateway;
let client: TokenStreamClient;

beforeAll(async () => {
  gateway = await startTestGateway(redis(), {
    SPOOL_GRPC_PORT: '0',
    SPOOL_API_KEYS: `grpc:${KEY}`,
    SPOOL_ID_SECRET: 'grpc-id-secret-0123456789abcdefghijklmnop',
    SPOOL_TOKEN_SECRET: 'grpc-token-secret-0123456789abcdefghijklm',
  });
  client = grpcClientOf(gateway);
});
afterAll(async () => {
  client?.close();
  await gateway.drain();
});

function bearer(credential: string | undefined): Metadata {
  const metadata = new Metadata();
  if (credential !== undefined) metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}

function create(credential: string | undefined) {
  return new Promise<{ id: string; token: string | undefined }>((resolve, reject) => {
    let token: string | undefined;
    const call = client.Create({ prompt: 'Hello' }, bearer(credential), (error, answer) =>
      error ? reject(error) : resolve({ id: answer?.id ?? '', token }),
    );
    call.on('metadata', (metadata: Metadata) => {
      token = metadata.get('x-spool-read-token')[0]?.toString();
    });
  });
}

/** The first frame of a `Read`, or how it failed; the call is cancelled after its first frame. */
function firstFrame(stream: string, credential: string | undefined) {
  return new Promise<ServerFrame__Output | ServiceError>((resolve) => {
    const call = client.Read({ stream }, bearer(credential));
    call.on('data', (frame: ServerFrame__Output) => {
      resolve(frame);
      call.cancel();
    });
    call.on('error', (error: ServiceError) => resolve(error));
  });
}

describe('gRPC with API keys', () => {
  it('refuses Create without a key, and answers the read token in the metadata with one', async () => {
    await expect(create(undefined)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(create('not-a-key-0123456789abcdef')).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    const created = await create(KEY);
    expect(created.token).toMatch(/^rt1\./);
    expect((await gateway.log.meta(created.id)).fields.owner).toBe('grpc');
  });

  it('reads with the stream’s token or its key, and refuses none (401) and another’s (403)', async () => {
    const mine = await create(KEY);
    const other = await create(KEY);
    expect(await firstFrame(mine.id, mine.token)).toMatchObject({
      subscribed: { stream: mine.id },
    });
    expect(await firstFrame(mine.id, KEY)).toMatchObject({ subscribed: { stream: mine.id } });
    expect(await firstFrame(mine.id, undefined)).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await firstFrame(mine.id, other.token)).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
  });
});
