export { createOpenAIAdapter, type OpenAIAdapterOptions } from './openai-adapter.ts';
