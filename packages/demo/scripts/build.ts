/**
 * `pnpm --filter @spool/demo build`: bundles the page's script with esbuild (browser, ESM,
 * minified) and copies the HTML and CSS into dist/. `pnpm start` and the browser test run it.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const dist = new URL('dist/', root);
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [new URL('src/main.ts', root).pathname],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: new URL('app.js', dist).pathname,
  logLevel: 'warning',
});
for (const file of ['index.html', 'styles.css'])
  await copyFile(new URL(`src/${file}`, root), new URL(file, dist));
console.log(`demo built into ${dist.pathname}`);
