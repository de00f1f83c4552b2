/**
 * One load balancer configuration: docker-compose.yml mounts the very file that
 * test/e2e/load-balancer.test.ts runs HAProxy with, and gives it every variable it reads; the
 * addresses it is given point at the gateways' port and the published port. The compose file
 * itself is checked by `docker-compose config -q` (offline) where that tool is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HAPROXY_CONFIG } from '../e2e/load-balancer/haproxy.ts';
import { REPO_ROOT, readRepoFile } from './repo-files.ts';

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
}
const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const lb = compose.services.lb ?? {};
const config = readRepoFile(HAPROXY_CONFIG);
/** Every `${NAME}` of the configuration, outside comments. */
const variables = [
  ...new Set(
    config
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .flatMap((line) => [...line.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((match) => match[1])),
  ),
].sort();

describe('the load balancer configuration', () => {
  it('is the file the compose file mounts into HAProxy', () => {
    expect(lb.image).toMatch(/^haproxy:/);
    expect(lb.volumes).toContain(`./${HAPROXY_CONFIG}:/usr/local/etc/haproxy/haproxy.cfg:ro`);
  });

  it('gets every variable it reads from the compose file, and no other', () => {
    expect(variables.length).toBeGreaterThan(0);
    expect(Object.keys(lb.environment ?? {}).sort()).toEqual(variables);
  });

  it("points at the gateway service's port and publishes its own", () => {
    const gatewayPort = compose.services.gateway?.environment?.SPOOL_PORT;
    expect(lb.environment?.LB_GATEWAYS).toBe(`gateway:${gatewayPort}`);
    expect(lb.ports).toContain(`${lb.environment?.LB_PORT}:${lb.environment?.LB_PORT}`);
  });

  it('keeps streams flowing: health checks on /readyz, retries, no compression, long timeouts', () => {
    expect(config).toMatch(/^\s+option httpchk GET \/readyz$/m);
    expect(config).toMatch(/^\s+retry-on .*\b503\b/m);
    expect(config).toMatch(/^\s+default-server check .* resolvers /m);
    expect(config).toMatch(/^\s+server-template gateway /m);
    expect(config).toMatch(/^\s+timeout tunnel /m);
    expect(config).not.toMatch(/^\s*compression /m);
  });
});

const composeBinary = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((path) =>
  existsSync(path),
);

describe.skipIf(composeBinary === undefined)(
  composeBinary
    ? 'docker-compose.yml'
    : 'docker-compose.yml (skipped: no docker-compose; .ci/run installs it)',
  () => {
    /** What an operator must set: access control is on in the compose file (docs/security.md). */
    const secrets = {
      SPOOL_API_KEYS: 'alice:0123456789abcdef0123456789abcdef',
      SPOOL_ID_SECRET: '0123456789abcdef0123456789abcdef0123',
      SPOOL_TOKEN_SECRET: 'fedcba9876543210fedcba9876543210fedc',
    };
    const config = (profile: string[], env: Record<string, string>) =>
      execFileSync(
        composeBinary ?? '',
        [...profile, '-f', join(REPO_ROOT, 'docker-compose.yml'), 'config', '-q'],
        { cwd: REPO_ROOT, stdio: 'pipe', env: { PATH: process.env.PATH ?? '', ...env } },
      );

    it.each([[[]], [['--profile', 'observability']]])(
      'is valid for docker-compose %j',
      (profile) => {
        config(profile, secrets);
      },
    );

    it.each(Object.keys(secrets))('refuses to start without %s', (name) => {
      const missing = Object.fromEntries(
        Object.entries(secrets).filter(([variable]) => variable !== name),
      );
      expect(() => config([], missing)).toThrow(new RegExp(name));
    });
  },
);
