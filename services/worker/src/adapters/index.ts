import type { WorkerConfig } from '../config.ts';
import type { ModelAdapter } from './model-adapter.ts';
import { createOpenAIAdapter } from './openai/index.ts';
import { createSyntheticAdapter } from './synthetic/index.ts';

export * from './model-adapter.ts';
export { createOpenAIAdapter, createSyntheticAdapter };

/** The adapter chosen by `SPOOL_MODEL_ADAPTER`. */
export function createAdapter(config: WorkerConfig): ModelAdapter {
  if (config.adapter === 'openai') return createOpenAIAdapter(config.openai);
  return createSyntheticAdapter({ tokensPerSecond: config.synthetic.tokensPerSecond });
}
