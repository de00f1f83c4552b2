export {
  createSyntheticAdapter,
  MAX_TOKENS_LIMIT,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
} from './synthetic-adapter.ts';
