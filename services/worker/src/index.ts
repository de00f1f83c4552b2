/** For tests and benchmarks: the worker's adapters and its generation step, without the process. */
export * from './adapters/index.ts';
export { loadWorkerConfig, type WorkerConfig } from './config.ts';
export { type GenerationContext, type GenerationOutcome, runGeneration } from './generate.ts';
