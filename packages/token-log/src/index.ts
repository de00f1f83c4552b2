export { type ConnectOptions, connectRedis, isClusterUrl, type RedisClient } from './connect.ts';
export type * from './durable-stream-types.ts';
export { RedisDurableStreams, type RedisDurableStreamsOptions } from './durable-streams.ts';
export { decodeEntry, decodeEntryItems, encodeEntryItems } from './entry-codec.ts';
export { toSpoolError } from './errors.ts';
export {
  type CreateCount,
  RedisQuotas,
  type RedisQuotasOptions,
  type SlotKind,
  type SlotTake,
} from './quotas.ts';
export {
  type DurableStreamKeys,
  durableStreamKeys,
  type StreamKeys,
  streamKeys,
} from './redis-keys.ts';
export {
  newStreamId,
  newSubscriptionId,
  RedisTokenLog,
  type RedisTokenLogOptions,
} from './redis-token-log.ts';
export type * from './token-log.ts';
