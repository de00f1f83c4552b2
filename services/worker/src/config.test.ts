import { ConfigError } from '@spool/runtime';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from './config.ts';

describe('worker configuration', () => {
  it('renews the job lock every quarter of it by default', () => {
    const config = loadWorkerConfig({});
    expect(config.lockDurationMs).toBe(1_500);
    expect(config.lockRenewMs).toBe(375);
    expect(config.stalledIntervalMs).toBe(250);
    expect(loadWorkerConfig({ SPOOL_WORKER_LOCK_MS: '4s' }).lockRenewMs).toBe(1_000);
  });

  it('keeps the lock longer for a model that cannot continue a stream', () => {
    const env = { SPOOL_MODEL_ADAPTER: 'openai', SPOOL_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    expect(loadWorkerConfig(env).lockDurationMs).toBe(5_000);
    expect(loadWorkerConfig({ SPOOL_MODEL_ADAPTER: 'anthropic' }).lockDurationMs).toBe(5_000);
    expect(loadWorkerConfig({ ...env, SPOOL_WORKER_LOCK_MS: '800ms' }).lockDurationMs).toBe(800);
  });

  it('takes a renewal interval shorter than the lock', () => {
    const config = loadWorkerConfig({
      SPOOL_WORKER_LOCK_MS: '2s',
      SPOOL_WORKER_LOCK_RENEW_MS: '1s',
    });
    expect(config.lockRenewMs).toBe(1_000);
  });

  it.each([
    [
      { SPOOL_WORKER_LOCK_MS: '1s', SPOOL_WORKER_LOCK_RENEW_MS: '1s' },
      /SPOOL_WORKER_LOCK_RENEW_MS/,
    ],
    [{ SPOOL_WORKER_LOCK_RENEW_MS: '10ms' }, /SPOOL_WORKER_LOCK_RENEW_MS/],
    [{ SPOOL_WORKER_LOCK_MS: 'soon' }, /SPOOL_WORKER_LOCK_MS/],
    [{ SPOOL_MODEL_ADAPTER: 'openai' }, /SPOOL_OPENAI_BASE_URL/],
  ])('refuses %j with a clear error', (env, message) => {
    expect(() => loadWorkerConfig(env)).toThrow(ConfigError);
    expect(() => loadWorkerConfig(env)).toThrow(message);
  });
});
