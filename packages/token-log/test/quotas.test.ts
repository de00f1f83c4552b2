import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connect.ts';
import { RedisQuotas } from '../src/quotas.ts';
import { quotaKeys } from '../src/redis-keys.ts';
import { scriptSource } from '../src/scripts.ts';

const redis = redisPerFile();
const clients: ReturnType<typeof connectRedis>[] = [];

afterAll(() => {
  for (const client of clients) client.disconnect();
});

function openQuotas(): { quotas: RedisQuotas; client: ReturnType<typeof connectRedis> } {
  const client = connectRedis(redis().url, { connectionName: 'spool-test' });
  clients.push(client);
  return { quotas: new RedisQuotas({ redis: client, keyPrefix: redis().keyPrefix }), client };
}

const keyId = () => `k-${randomUUID()}`;

describe('quota scripts', () => {
  it.each(['quota-count-create', 'quota-take-slot', 'quota-renew-slots'])(
    '%s opens with its header and has its includes in place',
    (name) => {
      const raw = readFileSync(new URL(`../src/lua/quotas/${name}.lua`, import.meta.url), 'utf8');
      expect(raw).toMatch(/^--\[\[\n {2}\S[\s\S]*?KEYS\[1\][\s\S]*?\n\s*Output: /);
      expect(scriptSource(`quotas/${name}.lua`)).not.toMatch(/@include/);
    },
  );

  it('keeps every key of one API key under its own hash tag', () => {
    const keys = Object.values(quotaKeys('p:', 'alice'));
    expect(new Set(keys.map((key) => key.match(/\{[^}]*\}/)?.[0]))).toEqual(
      new Set(['{quota:alice}']),
    );
  });
});

describe('creates per window', () => {
  it('admits up to the limit, then refuses with the time left, without counting refusals', async () => {
    const { quotas, client } = openQuotas();
    const id = keyId();
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await quotas.countCreate(id, 3, 60_000));
    expect(answers.map((answer) => answer.admitted)).toEqual([true, true, true, false]);
    expect(answers[3]?.retryAfterMs).toBeGreaterThan(59_000);
    expect(answers[3]?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await client.get(quotaKeys(redis().keyPrefix, id).creates)).toBe('3');
  });

  it('opens a new window once the last one ended', async () => {
    const { quotas } = openQuotas();
    const id = keyId();
    expect((await quotas.countCreate(id, 1, 100)).admitted).toBe(true);
    expect((await quotas.countCreate(id, 1, 100)).admitted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await quotas.countCreate(id, 1, 100)).admitted).toBe(true);
  });
});

describe('slots', () => {
  it('admits up to the limit, renews a member present, frees released and expired ones', async () => {
    const { quotas } = openQuotas();
    const id = keyId();
    const take = (member: string, release: string[] = [], leaseMs = 60_000) =>
      quotas.takeSlot('connections', id, { member, limit: 2, leaseMs, release });
    expect(await take('a')).toEqual({ admitted: true, held: 1 });
    expect(await take('b', [], 100)).toEqual({ admitted: true, held: 2 });
    expect(await take('c')).toEqual({ admitted: false, held: 2 });
    expect(await take('a')).toEqual({ admitted: true, held: 2 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await take('c')).toEqual({ admitted: true, held: 2 });
    expect(await take('d', ['a'])).toEqual({ admitted: true, held: 2 });
    expect((await quotas.slots('connections', id)).sort()).toEqual(['c', 'd']);
    await quotas.releaseSlot('connections', id, 'c');
    expect(await quotas.slots('connections', id)).toEqual(['d']);
  });

  it('renews only members still held', async () => {
    const { quotas } = openQuotas();
    const id = keyId();
    await quotas.takeSlot('running', id, { member: 'a', limit: 5, leaseMs: 200 });
    expect(await quotas.renewSlots('running', id, ['a', 'gone'], 60_000)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await quotas.slots('running', id)).toEqual(['a']);
  });
});
