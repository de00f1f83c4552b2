export {
  createSyntheticAdapter,
  MAX_PREFILL_MS,
  MAX_TOKENS_LIMIT,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
} from './synthetic-adapter.ts';
