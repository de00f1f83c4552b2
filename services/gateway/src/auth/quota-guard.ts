/**
 * The quotas of each API key (docs/security.md), enforced with the token log's quota scripts so
 * that they hold across gateways: creates per minute, streams queued or running at once, open
 * connections. Over a quota is `429 quota_exceeded` with `details.retryAfterSeconds` (the
 * `Retry-After` header of HTTP answers).
 *
 * Running streams are leased for the stream's maximum age; when a key is at its limit, the
 * streams it holds are looked up and those that ended are released before it is refused.
 * Connections are leased for `CONNECTION_LEASE_MS` and renewed every `RENEW_EVERY_MS` while open,
 * so what a gateway that died held is free again within a lease.
 */
import { isSpoolError, SpoolError, type StreamStatus } from '@spool/protocol';
import type { Logger } from '@spool/runtime';
import type { TokenLog } from '@spool/token-log';
import type { QuotaStore } from '../redis-deadline.ts';
import type { QuotaSettings } from './access-settings.ts';

export const CONNECTION_LEASE_MS = 30_000;
export const RENEW_EVERY_MS = 10_000;
const MINUTE_MS = 60_000;
/** A running stream's lease: longer than any stream runs (the token log's max age is 24 h). */
const RUNNING_LEASE_MS = 25 * 3_600_000;
const ENDED: ReadonlySet<StreamStatus> = new Set(['done', 'cancelled', 'failed']);

export interface QuotaGuardOptions {
  /** The quota scripts, each call bounded by SPOOL_REDIS_TIMEOUT_MS (context.ts). */
  quotas: QuotaStore | undefined;
  settings: QuotaSettings;
  gatewayId: string;
  log: Pick<TokenLog, 'meta'>;
  logger: Logger;
}

export class QuotaGuard {
  readonly #quotas: QuotaStore | undefined;
  readonly #settings: QuotaSettings;
  readonly #gatewayId: string;
  readonly #log: Pick<TokenLog, 'meta'>;
  readonly #logger: Logger;
  /** Open connections by key id: their members in the key's connection set. */
  readonly #open = new Map<string, Set<string>>();
  #sequence = 0;
  #renewer: NodeJS.Timeout | undefined;

  constructor(options: QuotaGuardOptions) {
    this.#quotas = options.quotas;
    this.#settings = options.settings;
    this.#gatewayId = options.gatewayId;
    this.#log = options.log;
    this.#logger = options.logger;
  }

  /** Counts a create of `keyId`; 429 past its creates per minute. */
  async admitCreate(keyId: string): Promise<void> {
    const limit = this.#settings.createsPerMinute;
    if (!this.#quotas || limit === 0) return;
    const count = await this.#quotas.countCreate(keyId, limit, MINUTE_MS);
    if (!count.admitted) {
      throw exceeded(`At most ${limit} creates per minute for this API key.`, count.retryAfterMs);
    }
  }

  /** Holds a running-stream slot of `keyId` for `streamId`; 429 past its running streams. */
  async admitStream(keyId: string, streamId: string): Promise<void> {
    const limit = this.#settings.runningStreams;
    if (!this.#quotas) return;
    if (limit === 0) return;
    const slot = { member: streamId, limit, leaseMs: RUNNING_LEASE_MS };
    if ((await this.#quotas.takeSlot('running', keyId, slot)).admitted) return;
    const release = await this.#endedStreams(keyId);
    if ((await this.#quotas.takeSlot('running', keyId, { ...slot, release })).admitted) return;
    throw exceeded(`At most ${limit} streams queued or running at once for this API key.`, 1_000);
  }

  /** Holds a connection slot of `keyId` until the function it returns is called; 429 past it. */
  async openConnection(keyId: string): Promise<() => void> {
    const limit = this.#settings.connections;
    const quotas = this.#quotas;
    if (!quotas || limit === 0) return () => {};
    const member = `${this.#gatewayId}:${++this.#sequence}`;
    const take = await quotas.takeSlot('connections', keyId, {
      member,
      limit,
      leaseMs: CONNECTION_LEASE_MS,
    });
    if (!take.admitted) {
      throw exceeded(`At most ${limit} open connections for this API key.`, 1_000);
    }
    const open = this.#open.get(keyId) ?? new Set<string>();
    this.#open.set(keyId, open.add(member));
    this.#renewer ??= setInterval(() => void this.#renew(), RENEW_EVERY_MS).unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      open.delete(member);
      if (open.size === 0) this.#open.delete(keyId);
      quotas.releaseSlot('connections', keyId, member).catch((error: unknown) => {
        this.#logger.warn({ err: error, keyId }, 'could not release a connection slot');
      });
    };
  }

  close(): void {
    clearInterval(this.#renewer);
    this.#renewer = undefined;
  }

  async #endedStreams(keyId: string): Promise<string[]> {
    const held = (await this.#quotas?.slots('running', keyId)) ?? [];
    const statuses = await Promise.all(
      held.map((streamId) =>
        this.#log.meta(streamId).then(
          (meta) => meta.status,
          (error: unknown) => {
            // Gone streams free their slot; any other failure (Redis) refuses the create.
            if (isSpoolError(error, 'stream_not_found') || isSpoolError(error, 'stream_expired')) {
              return 'gone' as const;
            }
            throw error;
          },
        ),
      ),
    );
    return held.filter((_, index) => {
      const status = statuses[index];
      return status === 'gone' || (status !== undefined && ENDED.has(status));
    });
  }

  async #renew(): Promise<void> {
    for (const [keyId, members] of this.#open) {
      try {
        await this.#quotas?.renewSlots('connections', keyId, [...members], CONNECTION_LEASE_MS);
      } catch (error) {
        this.#logger.warn({ err: error, keyId }, 'could not renew connection slots');
      }
    }
  }
}

function exceeded(message: string, retryAfterMs: number): SpoolError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1_000));
  return new SpoolError('quota_exceeded', `${message} Retry in ${retryAfterSeconds} s.`, {
    details: { retryAfterSeconds },
  });
}
