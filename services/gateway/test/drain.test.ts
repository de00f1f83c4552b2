/**
 * Draining a gateway that keep-alive clients are connected to: a connection whose request was in
 * flight when the drain began goes idle after its answer, in the client's pool (a load balancer
 * pools connections so), and the gateway must still close rather than wait for the keep-alive
 * timeout.
 */
import { Agent, request } from 'node:http';
import { redisPerFile } from '@spool/testing/vitest';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from './support.ts';

const redis = redisPerFile();

describe('drain with keep-alive clients', () => {
  it('closes a pooled connection that goes idle after the drain began', async () => {
    const gateway = await startTestGateway(redis());
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ prompt: 'Hello there', params: { max_tokens: 5 } });
    const answered = new Promise<number>((resolve, reject) => {
      const post = request(
        `${gateway.url}/v1/streams`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      post.on('error', reject);
      // Half the body now, the rest once the drain has begun: the request is in flight.
      post.write(body.slice(0, 10));
      setTimeout(() => post.end(body.slice(10)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const drained = gateway.drain();
    expect(await answered).toBeGreaterThan(0);
    await drained;
    // The keep-alive timeout is 72 s: a drain that waited for it would fail this test's timeout.
    expect(Date.now() - started).toBeLessThan(4_000);
    agent.destroy();
  });
});
