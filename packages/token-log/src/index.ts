export { connectRedis, isClusterUrl, type ConnectOptions } from './connect.ts';
export { decodeEntry, decodeEntryItems, encodeEntryItems } from './entry-codec.ts';
export { toSpoolError } from './errors.ts';
export { streamKeys, type StreamKeys } from './redis-keys.ts';
export {
  newStreamId,
  newSubscriptionId,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from './redis-token-log.ts';
export type { RedisClient } from './scripts.ts';
export type * from './token-log.ts';
