import { describe, expect, it } from 'vitest';
import {
  closestKnownVariable,
  editDistance,
  findUnknownVariables,
  KNOWN_VARIABLES,
  warnUnknownVariables,
} from './known-variables.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['SPOOL_WINDOW', 'SPOOL_WINDOW', 0],
    ['SPOOL_WINDOWS', 'SPOOL_WINDOW', 1],
    ['SPOOL_WIDNOW', 'SPOOL_WINDOW', 1],
    ['SPOOL_PROT', 'SPOOL_PORT', 1],
    ['SPOOL_HEARTBEAT', 'SPOOL_HEARTBEAT_MS', 3],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('counts %j → %j as %i edits', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('closestKnownVariable', () => {
  it.each([
    ['SPOOL_WINDOWS', 'SPOOL_WINDOW'],
    ['SPOOL_WIDNOW', 'SPOOL_WINDOW'],
    ['SPOOL_WORKER', 'SPOOL_WORKERS'],
    ['SPOOL_HEARTBEAT', 'SPOOL_HEARTBEAT_MS'],
    ['SPOOL_STALL_TIMEOUT', 'SPOOL_STALL_TIMEOUT_MS'],
    ['SPOOL_MAX_CONNECTION', 'SPOOL_MAX_CONNECTIONS'],
    ['SPOOL_OPENAI_BASEURL', 'SPOOL_OPENAI_BASE_URL'],
  ])('suggests %s for %s', (name, expected) => {
    expect(closestKnownVariable(name)).toBe(expected);
  });

  it.each(['SPOOL_FOO', 'SPOOL_', 'SPOOL_SOMETHING_ELSE_ENTIRELY'])(
    'suggests nothing for %s, which is no near miss',
    (name) => {
      expect(closestKnownVariable(name)).toBeUndefined();
    },
  );

  it('breaks ties by name order', () => {
    expect(closestKnownVariable('SPOOL_AB', ['SPOOL_AC', 'SPOOL_AA'])).toBe('SPOOL_AA');
  });
});

describe('findUnknownVariables', () => {
  it('reports each unknown SPOOL_* variable, in name order, with the closest known one', () => {
    const unknown = findUnknownVariables({
      SPOOL_WINDOWS: '512',
      SPOOL_WINDOW: '512',
      SPOOL_FOO: '',
      PATH: '/usr/bin',
      REDIS_URL: 'redis://localhost',
      spool_window: '1',
    });
    expect(unknown).toEqual([
      {
        name: 'SPOOL_FOO',
        suggestion: undefined,
        message:
          'SPOOL_FOO is not a Spool variable; docs/configuration.md lists the ones there are',
      },
      {
        name: 'SPOOL_WINDOWS',
        suggestion: 'SPOOL_WINDOW',
        message: 'SPOOL_WINDOWS is not a Spool variable; did you mean SPOOL_WINDOW?',
      },
    ]);
  });

  it('knows every variable of every process, not only its own', () => {
    const env = Object.fromEntries([...KNOWN_VARIABLES].map((name) => [name, '1']));
    expect(findUnknownVariables(env)).toEqual([]);
  });
});

describe('warnUnknownVariables', () => {
  it('logs one warning per unknown variable and nothing when all are known', () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    warnUnknownVariables({ SPOOL_PORT: '80', SPOOL_PROT: '80' }, logger);
    expect(warnings).toEqual(['SPOOL_PROT is not a Spool variable; did you mean SPOOL_PORT?']);
    warnings.length = 0;
    warnUnknownVariables({ SPOOL_PORT: '80' }, logger);
    expect(warnings).toEqual([]);
  });
});
