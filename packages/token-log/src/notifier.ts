/**
 * The process's pub/sub listeners, shared by every listener of every stream.
 *
 * Channels are sharded (SSUBSCRIBE; the scripts SPUBLISH): a stream's channels carry its hash tag,
 * so on a Redis Cluster each lives on its stream's shard and no message crosses the cluster bus.
 * On one Redis server that is one subscriber connection; on a Cluster, ioredis's sharded
 * subscribers (`shardedSubscribers: true`) keep one per master that holds a watched stream.
 *
 * Channels are subscribed while they have at least one listener. Pub/sub delivers at most once,
 * so messages can be missed while a connection is down: `onResubscribed` callbacks run after
 * every reconnect (or, on a Cluster, every time its subscribers were set up again), and listeners
 * re-read what they watch then.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './connect.ts';

export type ChannelListener = (message: string) => void;

export class Notifier {
  readonly #subscriber: RedisClient;
  readonly #listeners = new Map<string, Set<ChannelListener>>();
  readonly #subscribing = new Map<string, Promise<unknown>>();
  readonly #resubscribed = new Set<() => void>();
  #connectedOnce = false;

  constructor(subscriber: RedisClient) {
    this.#subscriber = subscriber;
    // ioredis emits each failure to reach Redis as an `error` event, and retries; unheard, a
    // Cluster's shard subscriber throws it and a single Redis's prints "Unhandled error event"
    // once per retry. Reads on the command connection report an unreachable Redis.
    subscriber.on('error', () => {});
    subscriber.on('smessage', (channel: string, message: string) => {
      const listeners = this.#listeners.get(channel);
      if (listeners) for (const listener of listeners) listener(message);
    });
    if (subscriber instanceof Cluster) {
      if (!subscriber.options.shardedSubscribers) {
        throw new TypeError('A Cluster subscriber needs the option `shardedSubscribers: true`.');
      }
      // A shard's subscriber that died is replaced after a slots refresh, then this event fires.
      subscriber.on('subscribersReady', () => this.#onResubscribed());
    } else {
      subscriber.on('ready', () => {
        if (this.#connectedOnce) this.#onResubscribed();
        this.#connectedOnce = true;
      });
    }
  }

  /** Resolves once the channel is subscribed; the returned function stops listening. */
  async listen(channel: string, listener: ChannelListener): Promise<() => void> {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      this.#subscribing.set(channel, this.#subscriber.ssubscribe(channel));
    }
    listeners.add(listener);
    try {
      await this.#subscribing.get(channel);
    } catch (error) {
      this.#remove(channel, listener);
      throw error;
    }
    return () => this.#remove(channel, listener);
  }

  onResubscribed(callback: () => void): () => void {
    this.#resubscribed.add(callback);
    return () => this.#resubscribed.delete(callback);
  }

  #onResubscribed(): void {
    for (const callback of this.#resubscribed) callback();
  }

  #remove(channel: string, listener: ChannelListener): void {
    const listeners = this.#listeners.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    this.#subscribing.delete(channel);
    this.#subscriber.sunsubscribe(channel).catch(() => {
      // The connection is gone: its subscriptions went with it.
    });
  }
}
