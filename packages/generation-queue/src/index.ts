export {
  type GenerationJob,
  type GenerationMessage,
  generationJobSchema,
  type JsonValue,
  jobFromCreateBody,
} from './generation-job.ts';
export {
  DEFAULT_QUEUE_PREFIX,
  GenerationQueue,
  type GenerationQueueOptions,
  JOB_NAME,
  JOB_OPTIONS,
  QUEUE_NAME,
  type QueueDepth,
} from './generation-queue.ts';
