/**
 * The AI SDK's UI message stream as SSE (SSE `data: <chunk JSON>` lines, `data: [DONE]` at the
 * end), over the pure chunk encoder of `@spool/protocol` (ui-message-stream.ts). Each item's
 * lines share its resume point: only the last carries `id: <offset>:<epoch>`, as in the
 * Anthropic format, so a client cut inside the group resumes before it. Errors that are no item
 * are SSE comments.
 */
import {
  type Chunk,
  chunkEnd,
  formatResumeId,
  type UiMessageChunk,
  type UiMessageEncoderState,
  uiChunksOfChunk,
} from '@spool/protocol';

/**
 * The SSE text for one chunk: the UI chunks it makes, possibly none (`usage`), without the first
 * `skip` of them (a resume inside an item's chunks).
 */
export function encodeUiMessageChunk(chunk: Chunk, state: UiMessageEncoderState, skip = 0): string {
  const chunks = uiChunksOfChunk(state, chunk);
  const done = chunk.kind === 'control' && chunk.item.type === 'end';
  const id = formatResumeId(chunkEnd(chunk), state.info.epoch ?? '');
  return serialize(chunks.slice(skip), id, done);
}

/**
 * An error that is no stream item (`slow_consumer`, `draining`, …), as an SSE comment: the SDK
 * parses no comment, so the chunks it counts stay the log's (a data line here would shift every
 * `startIndex` after it); the answer ends without `finish` and the client resumes.
 */
export function encodeUiMessageProtocolError(error: { code: string; message: string }): string {
  return `: error ${error.code}: ${error.message.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The chunks as SSE text, the resume point `id` on the last line only. */
function serialize(chunks: UiMessageChunk[], id: string, done: boolean): string {
  const lines = chunks.map((chunk) => JSON.stringify(chunk));
  if (done) lines.push('[DONE]');
  let text = '';
  lines.forEach((data, index) => {
    const idLine = index === lines.length - 1 ? `id: ${id}\n` : '';
    text += `${idLine}data: ${data}\n\n`;
  });
  return text;
}
