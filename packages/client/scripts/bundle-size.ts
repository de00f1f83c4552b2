/**
 * `pnpm --filter @spool/client size`: bundles the SDK for the browser (esbuild, platform
 * 'browser', ESM, minified, every dependency included) and prints its minified and gzip sizes,
 * and what each package contributes. The build fails on any Node-only module, so a green run
 * also shows the SDK is browser-safe.
 */
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const entry = new URL('../src/index.ts', import.meta.url).pathname;

async function bundle() {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild produced no output');
  return {
    minified: output.contents.byteLength,
    gzipped: gzipSync(output.contents, { level: 9 }).byteLength,
    metafile: result.metafile,
  };
}

/** Minified bytes per package: the SDK, @spool/protocol, and each npm dependency. */
function byPackage(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name =
        /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ??
        (path.includes('protocol/src') ? '@spool/protocol' : '@spool/client');
      sizes.set(name, (sizes.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const whole = await bundle();
console.log('@spool/client browser bundle (esbuild, platform browser, esm, minified):');
console.log(`  minified ${kib(whole.minified)} (${whole.minified} bytes)`);
console.log(`  gzip -9  ${kib(whole.gzipped)} (${whole.gzipped} bytes)`);
for (const [name, bytes] of byPackage(whole.metafile)) {
  console.log(`    ${name.padEnd(20)} ${kib(bytes).padStart(10)} minified`);
}
