/**
 * The AI SDK's UI message stream as the SSE format of one delivery starting at item `from`: the
 * encoder state the items below it leave (so what follows is encoded exactly as in an
 * uninterrupted answer), and the first `skip` chunks of item `from` left out (a `startIndex`
 * inside an item's chunks).
 */
import { skipUiItem, uiMessageEncoderState } from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';
import type { SseFormat } from '../sse/sse-delivery.ts';
import { encodeUiMessageChunk, encodeUiMessageProtocolError } from './ui-message-format.ts';

export async function uiMessageSseFormat(options: {
  log: TokenLog;
  streamId: string;
  from: number;
  skip: number;
  epoch: string;
}): Promise<SseFormat> {
  const { log, streamId } = options;
  const state = uiMessageEncoderState({ streamId, epoch: options.epoch });
  for await (const item of log.items(streamId, { to: options.from })) skipUiItem(state, item);
  let skip = options.skip;
  return {
    encode: (chunk) => {
      const text = encodeUiMessageChunk(chunk, state, skip);
      skip = 0;
      return text;
    },
    encodeError: encodeUiMessageProtocolError,
  };
}
