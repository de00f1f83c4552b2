/**
 * What the access-control e2e tests share: two API keys, the environment that turns access
 * control on, HTTP helpers, and helpers bound to a file's `systemPerTest()`.
 */

import { connectRedis } from '@spool/token-log';
import { expect } from 'vitest';
import type { GatewayProcess, TestSystem } from './system.ts';

export const ALICE = 'alice-key-0123456789abcdef';
export const BOB = 'bob-key-0123456789abcdefghij';
/** What every gateway of a test shares: keys on, secrets of its own. */
export const ACCESS_ENV = {
  SPOOL_API_KEYS: `alice:${ALICE},bob:${BOB}`,
  SPOOL_ID_SECRET: 'test-id-secret-0123456789abcdefghijklmnop',
  SPOOL_TOKEN_SECRET: 'test-token-secret-0123456789abcdefghijklm',
};

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function call(
  url: string,
  path: string,
  options: {
    method?: string;
    credential?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.credential !== undefined) headers.authorization = `Bearer ${options.credential}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export function errorCode(answer: Answer): unknown {
  return (answer.body.error as { code?: unknown } | undefined)?.code;
}

/** Creates a stream with `key`; its id and read token. */
export async function create(
  url: string,
  key: string,
  params: Record<string, number> = { max_tokens: 20 },
  headers: Record<string, string> = {},
): Promise<{ id: string; token: string }> {
  const answer = await call(url, '/v1/streams', {
    credential: key,
    body: { prompt: 'Tell me about access control.', params },
    headers,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { id: String(answer.body.id), token: String(answer.body.read_token) };
}

/** A worker and two gateways with access control on (`env` for both, `secondEnv` the second). */
export async function twoGateways(
  system: TestSystem,
  env: Record<string, string> = {},
  secondEnv: Record<string, string> = {},
): Promise<[GatewayProcess, GatewayProcess]> {
  await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0' });
  return [
    await system.startGateway({ ...ACCESS_ENV, ...env }),
    await system.startGateway({ ...ACCESS_ENV, ...env, ...secondEnv }),
  ];
}

/** Every stream meta key in the test's Redis: what a refused request must not add to. */
export async function storedStreams(system: TestSystem): Promise<number> {
  const { redis } = system;
  const client = connectRedis(redis.url);
  try {
    const nodes = 'nodes' in client ? client.nodes('master') : [client];
    let count = 0;
    for (const node of nodes) count += (await node.keys(`${redis.keyPrefix}{st_*}:meta`)).length;
    return count;
  } finally {
    client.disconnect();
  }
}

/** An SSE response held open until `abort()`; resolves once its head arrived. */
export async function openSse(url: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.status).toBe(200);
  return controller;
}

export async function openSseStatus(url: string): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  controller.abort();
  return response.status;
}

export async function expectEventually(
  check: () => Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
