/**
 * The demo page at `/` (packages/demo, built with the SDK), its assets under `/demo/`, and
 * `/demo/config.json`: the gateways the page may switch between (`SPOOL_DEMO_GATEWAYS`, else
 * this gateway).
 */
import { SpoolError } from '@spool/protocol';
import type { FastifyInstance } from 'fastify';
import { loadDemoAssets } from './demo-assets.ts';

export async function registerDemoRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadDemoAssets(app.spool.config.demoDir);
  const gateways = app.spool.config.demoGateways;
  app.get('/', async (_request, reply) => {
    const page = assets.get('index.html');
    if (!page) {
      return reply
        .type('text/plain; charset=utf-8')
        .send(
          'The demo page is not built: run `pnpm --filter @spool/demo build` (pnpm start does).',
        );
    }
    return reply.type(page.type).send(page.body);
  });
  app.get('/demo/config.json', async () => ({ gateways }));
  app.get<{ Params: { file: string } }>('/demo/:file', async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) throw new SpoolError('route_not_found', `No demo file ${request.params.file}`);
    return reply.type(asset.type).header('Cache-Control', 'no-cache').send(asset.body);
  });
}
