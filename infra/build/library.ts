/**
 * `node infra/build/library.ts <package folder>`: a publishable package (`@spool/protocol`,
 * `@spool/client`, `@spool/ai-sdk`) as ES modules with type declarations, in `<package>/dist/`
 * (entry `index.js`; dependencies, other `@spool/*` packages included, stay imports for the
 * app's bundler to share). The package's `publishConfig.exports` points there: `pnpm pack` and
 * `pnpm publish` ship `dist/` with it, while the workspace keeps importing the TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node infra/build/library.ts <package folder>');
  process.exit(2);
}
const root = resolve(folder);
const outdir = join(root, 'dist');
const base = fileURLToPath(new URL('../../tsconfig.base.json', import.meta.url));

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

// One JavaScript module and one declaration file per source module (relative `.ts` imports
// rewritten to `.js`): an app's bundler then drops the modules it does not use (`sideEffects:
// false`) — one bundled file would keep every module's top-level schema calls. Other workspace
// packages stay bare imports (`preserveSymlinks`: their sources are not compiled in here).
const tsconfig = join(outdir, 'tsconfig.build.json');
await writeFile(
  tsconfig,
  JSON.stringify({
    extends: base,
    compilerOptions: {
      composite: false,
      incremental: false,
      emitDeclarationOnly: false,
      outDir: outdir,
      rootDir: join(root, 'src'),
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: [],
      preserveSymlinks: true,
    },
    include: [join(root, 'src')],
    exclude: [join(root, 'src/**/*.test.ts')],
  }),
);
const tsc = spawnSync(process.execPath, [workspaceTsc(), '-p', tsconfig], { stdio: 'inherit' });
await rm(tsconfig);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/** The TypeScript compiler of the workspace. */
function workspaceTsc(): string {
  return fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
}
