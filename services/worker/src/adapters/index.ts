import type { WorkerConfig } from '../config.ts';
import { createAnthropicAdapter } from './anthropic/index.ts';
import type { ModelAdapter } from './model-adapter.ts';
import { createOpenAIAdapter } from './openai/index.ts';
import { createSyntheticAdapter } from './synthetic/index.ts';

export * from './model-adapter.ts';
export { createAnthropicAdapter, createOpenAIAdapter, createSyntheticAdapter };

/** The adapter chosen by `SPOOL_MODEL_ADAPTER`. */
export function createAdapter(config: WorkerConfig): ModelAdapter {
  if (config.adapter === 'openai') return createOpenAIAdapter(config.openai);
  if (config.adapter === 'anthropic') return createAnthropicAdapter(config.anthropic);
  return createSyntheticAdapter({ tokensPerSecond: config.synthetic.tokensPerSecond });
}
