/**
 * The AI SDK's UI message stream as the SSE format of one delivery: when the delivery resumes at
 * N > 0 (a Spool client's `Last-Event-ID`), the encoder state the items below N leave, so what
 * follows is encoded exactly as in an uninterrupted answer. `useChat` itself always reads from 0.
 */
import type { TokenLog } from '@spool/token-log';
import type { SseFormat } from '../sse/sse-delivery.ts';
import {
  encodeUiMessageChunk,
  encodeUiMessageProtocolError,
  skipUiItem,
  uiMessageEncoderState,
} from './ui-message-format.ts';

/** The response headers of a UI message stream, besides the SSE ones. */
export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' };

export async function uiMessageSseFormat(options: {
  log: TokenLog;
  streamId: string;
  from: number;
  epoch: string;
}): Promise<SseFormat> {
  const { log, streamId } = options;
  const state = uiMessageEncoderState({ streamId, epoch: options.epoch });
  for await (const item of log.items(streamId, { to: options.from })) skipUiItem(state, item);
  return {
    encode: (chunk) => encodeUiMessageChunk(chunk, state),
    encodeError: encodeUiMessageProtocolError,
  };
}
