/**
 * The OpenAI SSE format for one delivery of one stream: the stream's creation time and model
 * from its metadata, and, when the delivery resumes at N > 0, the encoder state the items below
 * N leave (block kinds, tool-call indexes, whether the role went out), so what follows is
 * encoded exactly as in an uninterrupted response.
 */
import type { TokenLog } from '@spool/token-log';
import type { SseFormat } from '../sse/sse-delivery.ts';
import {
  encodeOpenAIChunk,
  encodeOpenAIProtocolError,
  type OpenAIEncoderState,
  openAIEncoderState,
  skipItem,
} from './openai-format.ts';

/** The model an answer names when neither the request nor the stream names one. */
export const DEFAULT_OPENAI_MODEL = 'spool-synthetic';

export interface OpenAISseOptions {
  log: TokenLog;
  streamId: string;
  /** Where the delivery starts. */
  from: number;
  /** The delivery's epoch (DeliveryStart.epoch). */
  epoch: string;
  /** The request's model, over the stream's. */
  model?: string | undefined;
  /** Whether to send the usage chunk; default: what the creating request asked for. */
  includeUsage?: boolean | undefined;
}

export async function openAISseFormat(options: OpenAISseOptions): Promise<SseFormat> {
  const { log, streamId } = options;
  const meta = await log.meta(streamId);
  const state = openAIEncoderState({
    streamId,
    created: Math.floor(meta.createdAt / 1_000),
    model: options.model ?? meta.fields.model ?? DEFAULT_OPENAI_MODEL,
    includeUsage: options.includeUsage ?? meta.fields.openai_include_usage === 'true',
    epoch: options.epoch,
  });
  await skipBelow(log, state, options.from);
  return {
    encode: (chunk) => encodeOpenAIChunk(chunk, state),
    encodeError: encodeOpenAIProtocolError,
  };
}

/** Feeds the items `[0, until)` to the state: one scan, O(1) memory, only on a resume. */
async function skipBelow(log: TokenLog, state: OpenAIEncoderState, until: number): Promise<void> {
  for await (const item of log.items(state.info.streamId, { to: until })) skipItem(state, item);
}
