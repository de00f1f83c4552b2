/**
 * The Anthropic SSE format for one delivery of one stream: the model from the stream's metadata
 * (or the request), and, when the delivery resumes at N > 0, the encoder state the items below
 * N leave (which blocks are open and their indexes, whether `message_start` went out), so what
 * follows is encoded exactly as in an uninterrupted response.
 */
import type { TokenLog } from '@spool/token-log';
import type { SseFormat } from '../sse/sse-delivery.ts';
import {
  type AnthropicEncoderState,
  anthropicEncoderState,
  encodeAnthropicChunk,
  encodeAnthropicProtocolError,
  skipItem,
} from './anthropic-format.ts';

/** The model an answer names when neither the request nor the stream names one. */
export const DEFAULT_ANTHROPIC_MODEL = 'spool-synthetic';

export interface AnthropicSseOptions {
  log: TokenLog;
  streamId: string;
  /** Where the delivery starts. */
  from: number;
  /** The delivery's epoch (DeliveryStart.epoch). */
  epoch: string;
  /** The request's model, over the stream's. */
  model?: string | undefined;
}

export async function anthropicSseFormat(options: AnthropicSseOptions): Promise<SseFormat> {
  const { log, streamId } = options;
  const meta = await log.meta(streamId);
  const state = anthropicEncoderState({
    streamId,
    model: options.model ?? meta.fields.model ?? DEFAULT_ANTHROPIC_MODEL,
    epoch: options.epoch,
  });
  await skipBelow(log, state, options.from);
  return {
    encode: (chunk) => encodeAnthropicChunk(chunk, state),
    encodeError: encodeAnthropicProtocolError,
  };
}

/** Feeds the items `[0, until)` to the state: one scan, O(1) memory, only on a resume. */
async function skipBelow(
  log: TokenLog,
  state: AnthropicEncoderState,
  until: number,
): Promise<void> {
  for await (const item of log.items(state.info.streamId, { to: until })) skipItem(state, item);
}
