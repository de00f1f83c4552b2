/**
 * The example app (examples/ai-chat: Vite, React 19, the AI SDK's unmodified `useChat`) in
 * headless Chromium against real processes: a gateway, a synthetic worker, Redis. The app is
 * built and served as `pnpm example:chat` serves it, `/v1` proxied to the gateway. An answer
 * streams; a reload mid-answer resumes it; the network goes away and comes back; stop ends the
 * generation; two tabs on one chat show the same text. What a page shows must be the stream's
 * text as the log holds it, once.
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

const APP_ROOT = fileURLToPath(new URL('../../examples/ai-chat/', import.meta.url));

let redis: TestRedis;
let system: TestSystem;
let browser: Browser;
let server: PreviewServer;
let outDir: string;
let appUrl: string;

/** The assistant's text a page shows. */
const shownText = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=message-assistant] [data-testid=text]')]
      .map((node) => node.textContent ?? '')
      .join(''),
  );

async function streamOf(chatId: string): Promise<string> {
  for (;;) {
    const streamId = await system.log.chatStream(`-:${chatId}`);
    if (streamId) return streamId;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the page shows `text` as the assistant's answer (and says so if it does not). */
async function expectShown(page: Page, text: string) {
  await page
    .waitForFunction(
      (expected) =>
        [...document.querySelectorAll('[data-testid=message-assistant] [data-testid=text]')]
          .map((node) => node.textContent ?? '')
          .join('') === expected,
      text,
      { timeout: 30_000 },
    )
    .catch(() => undefined);
  expect(await shownText(page)).toBe(text);
}

async function openChat(chatId: string, transport = 'default'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${appUrl}?chat=${chatId}&transport=${transport}`);
  return page;
}

async function sendAndWaitForText(page: Page, length = 40): Promise<void> {
  await page.getByTestId('send').click();
  await page.waitForFunction(
    (min) =>
      (
        document.querySelector('[data-testid=message-assistant] [data-testid=text]')?.textContent ??
        ''
      ).length > min,
    length,
    { timeout: 30_000 },
  );
}

describe.skipIf(!existsSync(CHROMIUM))(
  'the AI SDK example app in headless Chromium (skipped: no Chromium; .ci/run installs it)',
  () => {
    beforeAll(async () => {
      redis = await getTestRedis();
      system = new TestSystem({ redis });
      const gateway = await system.startGateway();
      await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '40' });
      outDir = await mkdtemp(join(tmpdir(), 'spool-ai-chat-'));
      await build({
        root: APP_ROOT,
        logLevel: 'warn',
        configFile: false,
        build: { outDir, emptyOutDir: true },
      });
      const proxy = { '/v1': { target: gateway.url, ws: true } };
      server = await preview({
        root: APP_ROOT,
        configFile: false,
        logLevel: 'warn',
        build: { outDir },
        preview: { host: '127.0.0.1', port: await findFreePort(), strictPort: true, proxy },
      });
      appUrl = server.resolvedUrls?.local[0] ?? '';
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await system?.stop();
      await redis?.stop();
      if (outDir) await rm(outDir, { recursive: true, force: true });
    });

    it.each(['default', 'spool'])(
      'streams an answer, and a reload mid-answer resumes it with nothing twice (%s transport)',
      async (transport) => {
        const chatId = `reload-${transport}`;
        const page = await openChat(chatId, transport);
        await sendAndWaitForText(page);
        const streamId = await streamOf(chatId);
        await page.reload();
        const items = await system.waitForEnd(streamId);
        await expectShown(page, textBlocks(items));
        await page.close();
      },
    );

    it('goes offline mid-answer and, back online, shows the whole answer once', async () => {
      const page = await openChat('offline');
      await sendAndWaitForText(page);
      const streamId = await streamOf('offline');
      await page.context().setOffline(true);
      await new Promise((resolve) => setTimeout(resolve, 800));
      const resumes: number[] = [];
      page.on('response', (response) => {
        if (response.url().endsWith('/v1/ai-sdk/chat/offline/stream'))
          resumes.push(response.status());
      });
      await page.context().setOffline(false);
      const items = await system.waitForEnd(streamId);
      await expectShown(page, textBlocks(items));
      // The answer's connection was lost: the app asked for the rest when the network came back.
      expect(resumes).toContain(200);
      await page.close();
    });

    it.each(['default', 'spool'])(
      'stop() ends the generation: the stream ends cancelled (%s transport)',
      async (transport) => {
        const chatId = `stop-${transport}`;
        const page = await openChat(chatId, transport);
        await sendAndWaitForText(page);
        const streamId = await streamOf(chatId);
        await page.getByTestId('stop').click();
        const items = await system.waitForEnd(streamId);
        expect(items.at(-1)).toMatchObject({ type: 'end', finish_reason: 'cancelled' });
        await page.close();
      },
    );

    it('shows the same text in two tabs on one chat', async () => {
      const first = await openChat('two-tabs');
      await sendAndWaitForText(first);
      const streamId = await streamOf('two-tabs');
      const second = await openChat('two-tabs');
      const items = await system.waitForEnd(streamId);
      await expectShown(first, textBlocks(items));
      await expectShown(second, textBlocks(items));
      await first.close();
      await second.close();
    });
  },
);
