import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { findFreePort, getTestRedis, type TestRedis } from '@spool/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS, textBlocks } from '../support/browser.ts';
import { TestSystem } from '../support/system.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const DEMO_BUILD = fileURLToPath(new URL('../../packages/demo/scripts/build.ts', import.meta.url));

let redis: TestRedis;
let system: TestSystem;
let browser: Browser;
let gateways: string[];

describe.skipIf(!existsSync(CHROMIUM))(
  'the demo page in headless Chromium (skipped: no Chromium; .ci/run installs it)',
  () => {
    beforeAll(async () => {
      const built = spawnSync(process.execPath, [DEMO_BUILD], { encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`demo build failed: ${built.stderr}`);
      redis = await getTestRedis();
      system = new TestSystem({ redis });
      const ports = [await findFreePort(), await findFreePort()];
      gateways = ports.map((port) => `http://127.0.0.1:${port}`);
      for (const port of ports) {
        await system.startGateway({
          SPOOL_PORT: String(port),
          SPOOL_DEMO_GATEWAYS: gateways.join(','),
        });
      }
      await system.startWorker({ SPOOL_SYNTHETIC_TOKENS_PER_SECOND: '80' });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    });
    afterAll(async () => {
      await browser?.close();
      await system?.stop();
      await redis?.stop();
    });

    it('streams an answer, survives a forced drop and a gateway switch, and shows every token once', async () => {
      const page = await browser.newPage();
      await page.goto(`${gateways[0]}/`);
      await page.getByTestId('prompt').fill('Show me backpressure at work.');
      await page.locator('#max-tokens').fill('240');
      await page.getByTestId('send').click();
      await page.waitForFunction(
        () => (document.querySelector('[data-testid=output]')?.textContent ?? '').length > 40,
      );
      await page.getByTestId('drop').click();
      await page.waitForFunction(
        () => (document.querySelector('[data-testid=output]')?.textContent ?? '').length > 300,
      );
      await page.getByTestId('switch').click();
      await page.getByTestId('status').filter({ hasText: 'done' }).waitFor({ timeout: 30_000 });
      const streamId = (await page.getByTestId('stream-id').textContent()) ?? '';
      const shown = (await page.getByTestId('output').textContent()) ?? '';
      const items = await system.waitForEnd(streamId);
      expect(shown).toBe(textBlocks(items));
      expect(Number(await page.getByTestId('reconnects').textContent())).toBeGreaterThanOrEqual(1);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true });
      await page.close();
    });

    it('streams over the transport picked on the page (SSE)', async () => {
      const page = await browser.newPage();
      await page.goto(`${gateways[0]}/`);
      await page.getByTestId('transport-choice').selectOption('sse');
      await page.locator('#max-tokens').fill('60');
      await page.getByTestId('send').click();
      await page.getByTestId('status').filter({ hasText: 'done' }).waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('transport').textContent()).toBe('sse');
      const streamId = (await page.getByTestId('stream-id').textContent()) ?? '';
      const items = await system.waitForEnd(streamId);
      expect(await page.getByTestId('output').textContent()).toBe(textBlocks(items));
      await page.close();
    });
  },
);
