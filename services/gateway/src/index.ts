/** For tests: the gateway app without the process. */
export { buildApp, type GatewayContext, type GatewayDependencies } from './app.ts';
export { type GatewayConfig, loadGatewayConfig } from './config.ts';
export { createMetrics, type Metrics } from './metrics.ts';
