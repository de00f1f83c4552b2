/**
 * The SDK runs in browsers: no Node module and no Node global anywhere in its sources (the
 * browser bundle of `pnpm size` checks the imports too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const sources = readdirSync(import.meta.dirname).filter(
  (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
);

it.each(sources)('%s uses no Node module or Node global', (name) => {
  const code = readFileSync(join(import.meta.dirname, name), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  expect(code).not.toMatch(/from\s+'node:|require\(|\bBuffer\b|\bprocess\.|\b__dirname\b/);
  for (const [, specifier] of code.matchAll(/from\s+'([^']+)'/g)) {
    expect(specifier === '@spool/protocol' || specifier?.startsWith('./')).toBe(true);
  }
});
