/** The gateway as a library: an app without a process (tests), or a whole gateway in-process. */
export { buildApp } from './app.ts';
export { type GatewayConfig, loadGatewayConfig } from './config.ts';
export type { GatewayContext, GatewayDependencies } from './context.ts';
export { type Gateway, type StartGatewayOptions, startGateway } from './gateway.ts';
export { createMetrics, type Metrics } from './metrics.ts';
