import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The modules that define what the browser SDK imports: server-frame and SSE decoding, client
 * frame encoding, limits, chunks, errors, HTTP paths, query encoding and answer decoding. zod must not be reachable from them through a
 * value import, or it becomes most of the SDK's bundle (`pnpm --filter @spool/client size`).
 * Re-exports (`export … from`) are not followed: the package has `"sideEffects": false`, so a
 * bundler drops a re-exported module whose exports are unused.
 */
const SDK_MODULES = [
  'ws.ts',
  'sse.ts',
  'chunk.ts',
  'errors.ts',
  'client-frame.ts',
  'items.ts',
  'limits.ts',
  'http-api.ts',
  'http-paths.ts',
  'http-query.ts',
];

/** The specifiers of the value imports of a module (`import type` left out). */
function valueImports(file: string): string[] {
  const source = readFileSync(new URL(file, import.meta.url), 'utf8');
  const imports = source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)';/gms);
  return [...imports].map((match) => match[1] ?? '');
}

/** Every module and package reachable from `roots` through value imports. */
function reachable(roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    if (!next.endsWith('.ts')) continue;
    for (const specifier of valueImports(next)) {
      pending.push(specifier.startsWith('./') ? specifier.slice(2) : specifier);
    }
  }
  return seen;
}

describe("the SDK's modules", () => {
  it('reach no zod through value imports', () => {
    const modules = reachable(SDK_MODULES);
    expect(modules).toContain('chunk-fields.ts');
    expect(modules).toContain('eventsource-parser');
    expect([...modules].filter((name) => name === 'zod' || name.includes('schema'))).toEqual([]);
  });

  it('would notice a zod import', () => {
    expect(reachable(['schemas.ts'])).toContain('zod');
    expect(reachable(['decode-client-frame.ts'])).toContain('zod');
    expect(reachable(['http-query-schemas.ts'])).toContain('zod');
  });
});
