export {
  CLUSTER_NODE_PORT,
  type ClusterNode,
  type FailoverResult,
  type FreePortOptions,
  findFreePort,
  type LogLine,
  type RedisCluster,
  type RedisClusterOptions,
  type RedisServer,
  type RedisServerOptions,
  type ServiceProcess,
  type StartServiceOptions,
  type TerminatingSignal,
} from '@spool/launcher';
export * from './bench-doc.ts';
export * from './docker.ts';
export * from './fake-anthropic.ts';
export * from './fake-openai.ts';
export * from './fault-proxy.ts';
export * from './log-fixtures.ts';
export * from './sse-reader.ts';
export * from './test-redis.ts';
export * from './watched-processes.ts';
export * from './ws-client.ts';
