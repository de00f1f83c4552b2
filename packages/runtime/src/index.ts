export { type BackoffOptions, backoffDelay } from './backoff.ts';
export { parseDuration } from './duration.ts';
export { ConfigError, duration, integer, loadConfigOrExit, oneOf, parseEnv, text } from './env.ts';
export {
  closestKnownVariable,
  editDistance,
  findUnknownVariables,
  KNOWN_VARIABLES,
  type UnknownVariable,
  type WarningLogger,
  warnUnknownVariables,
} from './known-variables.ts';
export { createLogger, type Logger } from './logger.ts';
export { handleShutdownSignals, type ShutdownOptions } from './shutdown.ts';
export {
  createStageHistogram,
  STAGE_BUCKETS_SECONDS,
  STAGE_METRIC_NAME,
  STAGES,
  type Stage,
  type StageHistogram,
} from './stage-metrics.ts';
export { sleep, type TimedWork, type TimeoutOptions, withTimeout } from './timeout.ts';
