/**
 * The example's dev server (`pnpm example:chat`): the app on http://localhost:5173, and `/v1` —
 * HTTP and the WebSocket — proxied to the gateway (`SPOOL_GATEWAY`, default the one `pnpm start`
 * runs), so the page and the API share an origin and no CORS setting is needed (the proxy keeps
 * the page's Host, which the gateway's origin check compares `Origin` with).
 */
import { defineConfig } from 'vite';

const gateway = process.env.SPOOL_GATEWAY ?? 'http://localhost:8080';
const proxy = { '/v1': { target: gateway, ws: true } };

export default defineConfig({
  server: { port: 5173, proxy },
  preview: { proxy },
});
