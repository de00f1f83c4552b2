export * from './docker.ts';
export * from './fake-openai.ts';
export * from './free-port.ts';
export * from './redis-cluster.ts';
export * from './redis-server.ts';
export * from './service-process.ts';
export * from './sse-reader.ts';
export * from './test-redis.ts';
