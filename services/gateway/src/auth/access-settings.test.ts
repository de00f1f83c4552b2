import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@spool/runtime';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.ts';
import { isLoopback } from './access-settings.ts';

const SECRETS = {
  SPOOL_ID_SECRET: 'id-secret-0123456789abcdefghijklmnopqrstuv',
  SPOOL_TOKEN_SECRET: 'token-secret-0123456789abcdefghijklmnopqr',
};
const KEY = 'alice-key-0123456789abcdef';

function refusal(env: Record<string, string>): string {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('safe defaults', () => {
  it('serves loopback only without API keys, and 0.0.0.0 by default with them', () => {
    expect(loadGatewayConfig({}).host).toBe('127.0.0.1');
    expect(loadGatewayConfig({}).access.apiKeys).toEqual([]);
    expect(loadGatewayConfig({ SPOOL_API_KEYS: KEY, ...SECRETS }).host).toBe('0.0.0.0');
  });

  it('refuses a non-loopback host without keys unless SPOOL_ALLOW_INSECURE=1', () => {
    expect(refusal({ SPOOL_HOST: '0.0.0.0' })).toMatch(
      /SPOOL_HOST: "0\.0\.0\.0" is not a loopback/,
    );
    expect(loadGatewayConfig({ SPOOL_HOST: '0.0.0.0', SPOOL_ALLOW_INSECURE: '1' }).host).toBe(
      '0.0.0.0',
    );
    expect(loadGatewayConfig({ SPOOL_HOST: '::1' }).host).toBe('::1');
    expect(refusal({ SPOOL_ALLOW_INSECURE: 'yes' })).toMatch(/SPOOL_ALLOW_INSECURE/);
  });

  it('refuses the example secrets and short ones with keys on, naming each variable', () => {
    const message = refusal({ SPOOL_API_KEYS: KEY });
    expect(message).toMatch(/SPOOL_ID_SECRET: the example value/);
    expect(message).toMatch(/SPOOL_TOKEN_SECRET: the example value/);
    expect(refusal({ SPOOL_API_KEYS: KEY, ...SECRETS, SPOOL_TOKEN_SECRET: 'short' })).toMatch(
      /SPOOL_TOKEN_SECRET: at least 32 characters \(got 5\)/,
    );
    expect(
      refusal({
        SPOOL_API_KEYS: KEY,
        ...SECRETS,
        SPOOL_ID_SECRET: 'change-me-in-production-please-0123456789',
      }),
    ).toMatch(/SPOOL_ID_SECRET: the example value/);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.com', false],
  ])('takes %s for loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('SPOOL_API_KEYS', () => {
  it('reads names, keys and files, and keeps digests only', () => {
    const config = loadGatewayConfig({
      SPOOL_API_KEYS: `alice:${KEY}, ${KEY.replace('alice', 'nobody')}`,
      ...SECRETS,
    });
    const [alice, unnamed] = config.access.apiKeys;
    expect(alice?.id).toBe('alice');
    expect(unnamed?.id).toMatch(/^key-[0-9a-f]{12}$/);
    expect(JSON.stringify(config)).not.toContain(KEY);
  });

  it('reads one entry per line from @file, skipping blank lines and comments', () => {
    const directory = mkdtempSync(join(tmpdir(), 'spool-keys-'));
    const file = join(directory, 'keys');
    writeFileSync(file, `# keys of the team\nalice:${KEY}\n\nbob:${KEY}-bob # rotated\n`);
    try {
      const config = loadGatewayConfig({ SPOOL_API_KEYS: `@${file}`, ...SECRETS });
      expect(config.access.apiKeys.map((key) => key.id)).toEqual(['alice', 'bob']);
      writeFileSync(file, `alice:${KEY}\nshort\n`);
      expect(refusal({ SPOOL_API_KEYS: `@${file}`, ...SECRETS })).toMatch(
        /SPOOL_API_KEYS: line 2: a key is/,
      );
    } finally {
      rmSync(directory, { recursive: true });
    }
  });

  it.each([
    [' , ', /no key in it/],
    ['short', /entry 1: a key is 16–256 characters/],
    [`bad name:${KEY}`, /entry 1: a name is 1–64/],
    [`a:${KEY},a:${KEY}x`, /"a" appears twice/],
    [`${KEY},${KEY}`, /appears twice/],
    ['@/nonexistent/keys.txt', /cannot read \/nonexistent\/keys\.txt \(ENOENT\)/],
  ])('refuses %j with a message naming it', (value, message) => {
    const text = refusal({ SPOOL_API_KEYS: value, ...SECRETS });
    expect(text).toMatch(/SPOOL_API_KEYS: /);
    expect(text).toMatch(message);
    expect(text).not.toContain(KEY);
  });
});

describe('SPOOL_CORS_ORIGINS', () => {
  it('takes origins and *, and refuses anything else by name', () => {
    expect(
      loadGatewayConfig({ SPOOL_CORS_ORIGINS: 'https://a.example, http://localhost:3000/' }).access
        .corsOrigins,
    ).toEqual({ any: false, origins: ['https://a.example', 'http://localhost:3000'] });
    expect(loadGatewayConfig({ SPOOL_CORS_ORIGINS: '*' }).access.corsOrigins.any).toBe(true);
    expect(refusal({ SPOOL_CORS_ORIGINS: 'https://a.example/path' })).toMatch(
      /SPOOL_CORS_ORIGINS: "https:\/\/a\.example\/path" is not an origin/,
    );
    expect(refusal({ SPOOL_CORS_ORIGINS: 'a.example' })).toMatch(/SPOOL_CORS_ORIGINS/);
  });
});
