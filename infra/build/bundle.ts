/**
 * `node infra/build/bundle.ts <service folder> <entry> …`: a service as one ES module per entry,
 * in `<service>/dist/`, for production (`pnpm start`, the container images, the benchmarks).
 *
 * Why: run from its TypeScript sources, a process loads Node's type stripper (~18 MB of resident
 * memory) and hundreds of modules; the bundle is plain JavaScript with only what the entry uses
 * (about 40 MB less resident memory for an idle gateway, measured in docs/benchmarks.md). Tests
 * keep running the sources directly.
 *
 * Everything is bundled, dependencies included, so the output runs without node_modules. The
 * token log's Lua scripts are read at run time beside the module that loads them
 * (`./lua/…`), so they are copied to `dist/lua/`.
 */
import { cp, rm } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const [serviceArgument, ...entries] = process.argv.slice(2);
if (!serviceArgument || entries.length === 0) {
  console.error('usage: node infra/build/bundle.ts <service folder> <entry.ts> …');
  process.exit(2);
}
const service = resolve(serviceArgument);
const outdir = join(service, 'dist');
const luaSource = fileURLToPath(new URL('../../packages/token-log/src/lua/', import.meta.url));
const protoSource = fileURLToPath(new URL('../../packages/protocol/src/proto/', import.meta.url));

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries(
    entries.map((entry) => [basename(entry, extname(entry)), join(service, entry)]),
  ),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // Readable stack traces and profiles: names kept, source maps beside the bundle.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  // Optional native speed-ups of ws, loaded inside try/catch: absent is fine.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __spoolRequire } from 'node:module'; const require = __spoolRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await cp(luaSource, join(outdir, 'lua'), { recursive: true });
// The gRPC service's definition, which the gateway loads at start (proto-loader).
await cp(protoSource, join(outdir, 'proto'), { recursive: true });
console.log(
  `built ${entries.map((entry) => basename(entry, extname(entry))).join(', ')} → ${outdir}`,
);
