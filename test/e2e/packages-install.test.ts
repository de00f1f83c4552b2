/**
 * The publishable packages as a user gets them: `@spool/protocol`, `@spool/client` and
 * `@spool/ai-sdk` built (infra/build/library.ts) and packed (`pnpm pack`), installed from the
 * tarballs into a scratch project with npm, then used on the machine's own Node (20 here, not the
 * workspace's 24): a stream read over SSE and an answer read through `SpoolChatTransport`, from a
 * real gateway and worker, must equal the log; and a Vite build of an app importing both must
 * succeed. The size of each package in a browser bundle (minified, gzip) is printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textBlocks } from '../support/browser.ts';
import { systemPerTest } from '../support/system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['protocol', 'client', 'ai-sdk'] as const;

/** The machine's `node` and `npm`: the first on PATH outside the workspace's node_modules. */
function machineBin(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory.includes('node_modules')) continue;
    const candidate = join(directory, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const machineNode = machineBin('node');
const machinePath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((directory) => !directory.includes('node_modules'))
  .join(delimiter);

let scratch: string;
const systemOf = systemPerTest();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'spool-packages-'));
  const packs = join(scratch, 'packs');
  for (const name of PACKAGES) {
    const folder = join(ROOT, 'packages', name);
    execFileSync(process.execPath, [join(ROOT, 'infra/build/library.ts'), folder], {
      stdio: 'pipe',
    });
    execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: folder, stdio: 'pipe' });
  }
  const tarballs = Object.fromEntries(
    (await readdir(packs)).map((file) => [
      `@spool/${/^spool-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)?.[1]}`,
      `file:${join(packs, file)}`,
    ]),
  );
  const project = join(scratch, 'app');
  execFileSync('mkdir', ['-p', project]);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'spool-packages-scratch',
      private: true,
      type: 'module',
      dependencies: { ...tarballs, ai: '7.0.173' },
      // The client's `@spool/protocol` is the packed one, not the registry's.
      overrides: { '@spool/protocol': tarballs['@spool/protocol'] },
    }),
  );
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
    env: { ...process.env, PATH: machinePath },
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
}, 240_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Runs `source` as an ES module in the scratch app on the machine's Node; its stdout as JSON. */
function onMachineNode(source: string, env: Record<string, string>): unknown {
  const file = join(scratch, 'app', `run-${Math.random().toString(36).slice(2)}.mjs`);
  execFileSync('sh', ['-c', `cat > ${file}`], { input: source });
  const run = spawnSync(machineNode ?? 'node', [file], {
    cwd: dirname(file),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`${file} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('the packed packages, installed with npm', () => {
  it("read a stream and a chat answer on the machine's Node, equal to the log", async () => {
    const version = execFileSync(machineNode ?? 'node', ['--version'], { encoding: 'utf8' });
    console.log(`machine Node ${version.trim()} (${machineNode})`);
    expect(Number(/^v(\d+)/.exec(version)?.[1])).toBeGreaterThanOrEqual(20);
    const system = systemOf();
    const gateway = await system.startGateway();
    await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '0' });
    const result = onMachineNode(
      `
      import { SpoolClient } from '@spool/client';
      import { SpoolChatTransport } from '@spool/ai-sdk';
      const baseUrl = process.env.GATEWAY;
      const client = new SpoolClient({ baseUrl, transport: 'sse' });
      const created = await client.create({ prompt: 'Hello from Node', params: { max_tokens: 40 } });
      let text = '';
      for await (const chunk of client.stream(created.id)) if (chunk.kind === 'tokens') text += chunk.text;
      client.close();
      const chat = new SpoolChatTransport({ baseUrl, client: { transport: 'sse' } });
      const answer = await chat.sendMessages({
        chatId: 'packed', trigger: 'submit-message', messageId: undefined, abortSignal: undefined,
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
        body: { params: { max_tokens: 30 } },
      });
      const types = [];
      for await (const chunk of answer) types.push(chunk.type);
      chat.close();
      console.log(JSON.stringify({ id: created.id, text, types }));
      `,
      { GATEWAY: gateway.url },
    ) as { id: string; text: string; types: string[] };
    const items = await system.waitForEnd(result.id);
    expect(result.text).toBe(
      items.map((item) => (item.type === 'token' ? item.text : '')).join(''),
    );
    expect(textBlocks(items).length).toBeGreaterThan(0);
    expect(result.types[0]).toBe('start');
    expect(result.types.at(-1)).toBe('finish');
  });

  it('bundle with Vite into an app, and their browser sizes are printed', async () => {
    const app = join(scratch, 'app');
    await writeFile(
      join(app, 'index.html'),
      '<!doctype html><script type="module" src="./main.js"></script>',
    );
    await writeFile(
      join(app, 'main.js'),
      "import { SpoolClient } from '@spool/client';\nimport { SpoolChatTransport } from '@spool/ai-sdk';\n" +
        'console.log(new SpoolClient({ baseUrl: location.origin }), SpoolChatTransport);\n',
    );
    const output = await viteBuild({
      root: app,
      configFile: false,
      logLevel: 'warn',
      build: { outDir: join(scratch, 'vite-dist'), emptyOutDir: true },
    });
    expect(JSON.stringify(output)).toContain('index');
    const entries = { '@spool/client': 'SpoolClient', '@spool/ai-sdk': 'SpoolChatTransport' };
    for (const [name, main] of Object.entries(entries)) {
      // What an app that uses the package's main class pays.
      const bundle = await esbuild({
        stdin: { contents: `export { ${main} } from '${name}';`, resolveDir: app },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        // The AI SDK is the app's own (a peer dependency, imported for types only).
        external: ['ai'],
        logLevel: 'error',
      });
      const bytes = bundle.outputFiles[0]?.contents ?? new Uint8Array();
      console.log(
        `${name}'s ${main} (with its dependencies): ${(bytes.byteLength / 1024).toFixed(1)} KB minified, ` +
          `${(gzipSync(bytes, { level: 9 }).byteLength / 1024).toFixed(1)} KB gzip`,
      );
      expect(bytes.byteLength).toBeGreaterThan(0);
    }
  });
});
