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
