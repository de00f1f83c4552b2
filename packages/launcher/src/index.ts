export * from './cluster-view.ts';
export * from './exit-cleanup.ts';
export * from './free-port.ts';
export * from './log-printer.ts';
export * from './redis-cluster.ts';
export * from './redis-server.ts';
export * from './service-process.ts';
export * from './spawn-process.ts';
