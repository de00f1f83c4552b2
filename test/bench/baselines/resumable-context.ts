/**
 * Vercel's `resumable-stream` wired to this run's Redis with the ioredis clients it asks for:
 * one publisher, one subscriber (a connection in subscribe mode).
 */
import { connectRedis } from '@spool/token-log';
import {
  createResumableStreamContext,
  type ResumableStreamContext,
} from 'resumable-stream/ioredis';

export function resumableContext(): ResumableStreamContext {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const publisher = connectRedis(url, { connectionName: 'bench-resumable-pub' });
  const subscriber = connectRedis(url, { connectionName: 'bench-resumable-sub' });
  return createResumableStreamContext({
    waitUntil: null,
    keyPrefix: 'bench-resumable',
    // Both are ioredis clients (connectRedis opens a single server here, never a cluster).
    publisher: publisher as Parameters<typeof createResumableStreamContext>[0]['publisher'],
    subscriber: subscriber as Parameters<typeof createResumableStreamContext>[0]['subscriber'],
  });
}
