/**
 * The gateway runs with the same V8 settings wherever it runs: `services/gateway/node-flags.json`
 * is read by `pnpm start` and the tests; the container image, the compose file and the Kubernetes
 * Deployment spell the command out, so this keeps them in step with the file.
 */
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './repo-files.ts';

const flags = JSON.parse(readRepoFile('services/gateway/node-flags.json')) as string[];
const command = ['node', ...flags, 'services/gateway/dist/server.mjs'];
/** A YAML `command:` written as a flow list, on one line or several. */
const YAML_COMMAND = /^\s+command:\s*(\[[^\]]*"services\/gateway\/dist\/server\.mjs"[^\]]*\])/m;

/** The strings of a command written as a list (`["node", …]`, on one line or several). */
function commandOf(text: string, pattern: RegExp): string[] | undefined {
  const list = pattern.exec(text)?.[1];
  return list === undefined
    ? undefined
    : [...list.matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? '');
}

describe("the gateway's V8 settings", () => {
  it('are a list of node flags', () => {
    expect(flags.every((flag) => flag.startsWith('--'))).toBe(true);
  });

  it.each([
    ['infra/Dockerfile', /^CMD (\[[^\]]*"services\/gateway\/dist\/server\.mjs"[^\]]*\])$/m],
    ['docker-compose.yml', YAML_COMMAND],
    ['infra/k8s/gateway-deployment.yaml', YAML_COMMAND],
  ])('are the ones %s starts the gateway with', (file, pattern) => {
    expect(commandOf(readRepoFile(file), pattern)).toEqual(command);
  });
});
