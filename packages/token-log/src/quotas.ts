/**
 * Quotas per API key, kept in Redis so that they hold across gateways: creates per window,
 * running streams, open connections. Each check is one script on the key's own hash tag
 * (`{quota:<key id>}`), so it is atomic and works unchanged on Redis Cluster.
 *
 * Running streams and open connections are held with leases (server time): a gateway renews
 * what it holds and releases it when done, and what a dead gateway held expires by itself.
 */
import type { RedisClient } from './connect.ts';
import { mapRedisErrors } from './errors.ts';
import { type QuotaKeys, quotaKeys } from './redis-keys.ts';
import { integer, tuple } from './script-reply.ts';
import { scriptSource } from './scripts.ts';

const COMMANDS = {
  spool_quotaCountCreate: 'quotas/quota-count-create.lua',
  spool_quotaTakeSlot: 'quotas/quota-take-slot.lua',
  spool_quotaRenewSlots: 'quotas/quota-renew-slots.lua',
} as const;

type Command = keyof typeof COMMANDS;
export type SlotKind = 'running' | 'connections';

export interface CreateCount {
  admitted: boolean;
  /** When refused: ms until the window ends. */
  retryAfterMs: number;
}

export interface SlotTake {
  admitted: boolean;
  /** Members held after the call. */
  held: number;
}

export interface RedisQuotasOptions {
  redis: RedisClient;
  keyPrefix: string;
}

export class RedisQuotas {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(options: RedisQuotasOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    for (const [name, file] of Object.entries(COMMANDS)) {
      if (!(name in this.#redis)) {
        this.#redis.defineCommand(name, { numberOfKeys: 1, lua: scriptSource(file) });
      }
    }
  }

  /** Counts a create against `limit` per `windowMs` of key `keyId`. */
  async countCreate(keyId: string, limit: number, windowMs: number): Promise<CreateCount> {
    const reply = await this.#run('spool_quotaCountCreate', this.#keys(keyId).creates, [
      limit,
      windowMs,
    ]);
    const [admitted, retryAfterMs] = tuple(integer, integer)(reply);
    return { admitted: admitted === 1, retryAfterMs };
  }

  /** Takes a slot for `member` (dropping `release` first), or refuses at `limit`. */
  async takeSlot(
    kind: SlotKind,
    keyId: string,
    slot: { member: string; limit: number; leaseMs: number; release?: readonly string[] },
  ): Promise<SlotTake> {
    const reply = await this.#run('spool_quotaTakeSlot', this.#keys(keyId)[kind], [
      slot.limit,
      slot.member,
      slot.leaseMs,
      ...(slot.release ?? []),
    ]);
    const [admitted, held] = tuple(integer, integer)(reply);
    return { admitted: admitted === 1, held };
  }

  /** Renews the leases of `members` still held; answers how many were. */
  async renewSlots(
    kind: SlotKind,
    keyId: string,
    members: readonly string[],
    leaseMs: number,
  ): Promise<number> {
    if (members.length === 0) return 0;
    const reply = await this.#run('spool_quotaRenewSlots', this.#keys(keyId)[kind], [
      leaseMs,
      ...members,
    ]);
    return integer(reply);
  }

  /** The members key `keyId` holds of `kind` (expired leases included until the next take). */
  async slots(kind: SlotKind, keyId: string): Promise<string[]> {
    return mapRedisErrors(() => this.#redis.zrange(this.#keys(keyId)[kind], 0, -1));
  }

  async releaseSlot(kind: SlotKind, keyId: string, member: string): Promise<void> {
    await mapRedisErrors(() => this.#redis.zrem(this.#keys(keyId)[kind], member));
  }

  #keys(keyId: string): QuotaKeys {
    return quotaKeys(this.#prefix, keyId);
  }

  #run(command: Command, key: string, args: (string | number)[]): Promise<unknown> {
    // defineCommand adds the command as a method that ioredis's types cannot know.
    const run = (this.#redis as unknown as Record<Command, (...a: unknown[]) => Promise<unknown>>)[
      command
    ];
    return mapRedisErrors(() => run.call(this.#redis, key, ...args));
  }
}
