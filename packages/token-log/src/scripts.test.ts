import { readdirSync, readFileSync } from 'node:fs';
import { isSpoolError } from '@spool/protocol';
import { redisPerFile } from '@spool/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from './connect.ts';
import { newStreamId, RedisTokenLog } from './redis-token-log.ts';
import { scriptSources } from './scripts.ts';

const redis = redisPerFile();
let client: ReturnType<typeof connectRedis>;

beforeAll(() => {
  client = connectRedis(redis().url);
});
afterAll(() => {
  client.disconnect();
});

const sources = [...scriptSources()];

describe('script sources', () => {
  it('assembles every file of lua/ and nothing else', () => {
    const files = readdirSync(new URL('./lua/', import.meta.url)).filter((file) =>
      file.endsWith('.lua'),
    );
    expect(sources).toHaveLength(files.length);
  });

  it.each(sources)('leaves no include marker unresolved in %s', (_name, source) => {
    expect(source).not.toMatch(/@include/);
  });

  it.each(sources)('keeps the header comment of %s at the top', (_name, source) => {
    expect(source).toMatch(/^--\[\[\n {2}\S[\s\S]*?\n\s*Output: /);
  });

  it('puts each snippet in a script once, even when two includes need it', () => {
    const [, readItems] = sources.find(([name]) => name === 'readItems') ?? [];
    expect(readItems?.match(/local function nowMs\(\)/g)).toHaveLength(1);
    expect(readItems?.match(/local function readLiveStreamMeta\(/g)).toHaveLength(1);
  });

  it('keeps the time and metadata snippets in one file each', () => {
    const lua = new URL('./lua/', import.meta.url);
    for (const file of readdirSync(lua).filter((name) => name.endsWith('.lua'))) {
      const text = readFileSync(new URL(file, lua), 'utf8');
      expect(text, file).not.toContain("redis.call('TIME')");
      expect(text, file).not.toContain("redis.error_reply('SPOOL stream_expired')");
    }
  });

  it.each(sources)('loads %s on a real Redis', async (_name, source) => {
    const sha = await client.script('LOAD', source);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('script replies', () => {
  it('turns a reply of the wrong shape into an internal error naming the script', async () => {
    const shaped = connectRedis(redis().url);
    // A script of the same command name, defined first, stands in for a script that replies
    // in a shape its decoder does not expect; Scripts keeps a command that already exists.
    shaped.defineCommand('spool_claimAttempt', { numberOfKeys: 1, lua: "return { 'running' }" });
    const log = new RedisTokenLog({ redis: shaped, keyPrefix: redis().keyPrefix });
    try {
      const claim = log.claimAttempt(newStreamId(), 1);
      await expect(claim).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(
          /^Script claimAttempt \(claim-attempt\.lua\) replied in an unexpected shape: expected an array of 3 elements/,
        ),
      });
      await expect(claim).rejects.toSatisfy((error) => isSpoolError(error));
    } finally {
      await log.close();
      shaped.disconnect();
    }
  });
});

describe('read-items.lua', () => {
  /** The script's raw reply: the entries (ids) it returned for `[from, from + items)`. */
  async function entryIds(streamId: string, from: number, items: number): Promise<string[]> {
    const [, source] = sources.find(([name]) => name === 'readItems') ?? [];
    const log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
    const { meta, log: logKey } = log.keys(streamId);
    await log.close();
    const reply = (await client.eval(String(source), 2, meta, logKey, from, 512, items)) as [
      string,
      number,
      string,
      [string, string[]][],
    ];
    return reply[3].map(([id]) => id);
  }

  it('returns the entries holding the items wanted and none after them', async () => {
    const log = new RedisTokenLog({ redis: client, keyPrefix: redis().keyPrefix });
    try {
      const streamId = newStreamId();
      await log.create({ id: streamId });
      // Ten entries of 8 items: ids 8, 16, …, 80 (the offset after each entry's last item).
      for (let at = 0; at < 80; at += 8) {
        const items = Array.from({ length: 8 }, (_, index) => ({
          type: 'token' as const,
          block: 0,
          text: `t${at + index}`,
        }));
        await log.append({ streamId, attempt: 1, at, items });
      }
      expect(await entryIds(streamId, 3, 10)).toEqual(['8-0', '16-0']);
      expect(await entryIds(streamId, 3, 5)).toEqual(['8-0']);
      expect(await entryIds(streamId, 8, 8)).toEqual(['16-0']);
      expect(await entryIds(streamId, 70, 1_000)).toEqual(['72-0', '80-0']);
      expect(await entryIds(streamId, 79, 1)).toEqual(['80-0']);
      // And what a read gives from them is exactly the items asked for.
      const read = await log.read(streamId, 3, 10);
      expect(read.items.map((item) => item.offset)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    } finally {
      await log.close();
    }
  });
});
