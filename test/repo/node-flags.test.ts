/**
 * The gateway runs with the same V8 settings wherever it runs: `services/gateway/node-flags.json`
 * is read by `pnpm start` and the tests; the container image, the compose file and the Kubernetes
 * Deployment spell the command out, so this keeps them in step with the file.
 */
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './repo-files.ts';

const flags = JSON.parse(readRepoFile('services/gateway/node-flags.json')) as string[];
const command = JSON.stringify(['node', ...flags, 'services/gateway/dist/server.mjs']);

describe("the gateway's V8 settings", () => {
  it('are a list of node flags', () => {
    expect(flags.every((flag) => flag.startsWith('--'))).toBe(true);
  });

  it.each([
    ['infra/Dockerfile', /^CMD (\[.*"services\/gateway\/dist\/server\.mjs"\])$/m],
    ['docker-compose.yml', /^\s+command: (\[.*"services\/gateway\/dist\/server\.mjs"\])$/m],
    [
      'infra/k8s/gateway-deployment.yaml',
      /^\s+command: (\[.*"services\/gateway\/dist\/server\.mjs"\])$/m,
    ],
  ])('are the ones %s starts the gateway with', (file, pattern) => {
    const line = pattern.exec(readRepoFile(file))?.[1];
    expect(line && JSON.stringify(JSON.parse(line))).toBe(command);
  });
});
