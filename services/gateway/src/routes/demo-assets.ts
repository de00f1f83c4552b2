/**
 * The built demo page (packages/demo, `SPOOL_DEMO_DIR`), for the gateway to serve at `/`: file
 * name → content and type. Empty when `pnpm --filter @spool/demo build` has not run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'styles.css': 'text/css; charset=utf-8',
};

export interface DemoAsset {
  body: Buffer;
  type: string;
}

export async function loadDemoAssets(directory: string): Promise<Map<string, DemoAsset>> {
  const assets = new Map<string, DemoAsset>();
  for (const [name, type] of Object.entries(TYPES)) {
    try {
      assets.set(name, { body: await readFile(join(directory, name)), type });
    } catch {
      // Not built: the gateway answers / with a hint instead.
    }
  }
  return assets;
}
