/**
 * @spool/react in headless Chromium, on a page built like an app (react-app/: Vite, React 19,
 * StrictMode): the App and two components show one stream, a button drops the connection midway.
 * One connection per stream (one `subscribe` / events request, plus one per drop), and every
 * component shows text identical to the stream's items.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, getTestRedis, type TestRedis } from '@spool/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS, textBlocks } from '../support/browser.ts';
import { TestSystem } from '../support/system.ts';

const APP_ROOT = fileURLToPath(new URL('./react-app/', import.meta.url));

let redis: TestRedis;
let system: TestSystem;
let browser: Browser;
let server: PreviewServer;
let outDir: string;
let gateways: string[];

const textOf = (page: Page, name: string) =>
  page.evaluate(
    (testId) => document.querySelector(`[data-testid=${testId}]`)?.textContent ?? '',
    `text-${name}`,
  );

describe.skipIf(!existsSync(CHROMIUM))(
  'the React hook in headless Chromium (skipped: no Chromium; .ci/run installs it)',
  () => {
    beforeAll(async () => {
      outDir = await mkdtemp(join(tmpdir(), 'spool-react-app-'));
      await build({
        root: APP_ROOT,
        logLevel: 'warn',
        configFile: false,
        build: { outDir, emptyOutDir: true },
      });
      server = await preview({
        root: APP_ROOT,
        configFile: false,
        logLevel: 'warn',
        build: { outDir },
        preview: { host: '127.0.0.1', port: await findFreePort(), strictPort: true },
      });
      redis = await getTestRedis();
      system = new TestSystem({ redis });
      // The app is served from another origin than the gateways: allow it (SPOOL_CORS_ORIGINS).
      const appOrigin = new URL(server.resolvedUrls?.local[0] ?? '').origin;
      const env = { SPOOL_CORS_ORIGINS: appOrigin };
      gateways = [(await system.startGateway(env)).url, (await system.startGateway(env)).url];
      await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '80' });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await system?.stop();
      await redis?.stop();
      if (outDir) await rm(outDir, { recursive: true, force: true });
    });

    it.each(['ws', 'sse'] as const)(
      'shows one stream in two components of a StrictMode app over one connection, through a drop (%s)',
      async (transport) => {
        const page = await browser.newPage();
        const address = server.resolvedUrls?.local[0] ?? '';
        await page.goto(`${address}?gateways=${gateways.join(',')}&transport=${transport}`);
        await page.getByTestId('create').click();
        await page.waitForFunction(
          () => (document.querySelector('[data-testid=text-a]')?.textContent ?? '').length > 60,
        );
        const streamId = (await page.getByTestId('stream-id').textContent()) ?? '';
        const counted: 'subscribes' | 'eventsRequests' =
          transport === 'ws' ? 'subscribes' : 'eventsRequests';
        const before = await page.evaluate((table) => window.spoolCounts[table], counted);
        expect(before).toEqual({ [streamId]: 1 });
        await page.getByTestId('drop').click();
        for (const name of ['a', 'b', 'app']) {
          await page
            .getByTestId(`status-${name}`)
            .filter({ hasText: 'done' })
            .waitFor({ timeout: 30_000 });
        }
        const after = await page.evaluate((table) => window.spoolCounts[table], counted);
        expect(after).toEqual({ [streamId]: 2 });
        const expected = textBlocks(await system.waitForEnd(streamId));
        expect(await textOf(page, 'a')).toBe(expected);
        expect(await textOf(page, 'b')).toBe(expected);
        expect(Number(await page.getByTestId('reconnects-a').textContent())).toBe(1);
        await page.close();
      },
    );
  },
);
