/**
 * One pub/sub connection per process, shared by every listener of every stream.
 *
 * Channels are subscribed while they have at least one listener. Pub/sub delivers at most once,
 * so messages can be missed while the connection is down: `onResubscribed` callbacks run after
 * every reconnect, and listeners re-read what they watch then.
 */
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
    subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#listeners.get(channel);
      if (listeners) for (const listener of listeners) listener(message);
    });
    subscriber.on('ready', () => {
      if (this.#connectedOnce) for (const callback of this.#resubscribed) callback();
      this.#connectedOnce = true;
    });
  }

  /** Resolves once the channel is subscribed; the returned function stops listening. */
  async listen(channel: string, listener: ChannelListener): Promise<() => void> {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      this.#subscribing.set(channel, this.#subscriber.subscribe(channel));
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

  #remove(channel: string, listener: ChannelListener): void {
    const listeners = this.#listeners.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    this.#subscribing.delete(channel);
    this.#subscriber.unsubscribe(channel).catch(() => {
      // The connection is gone: its subscriptions went with it.
    });
  }
}
