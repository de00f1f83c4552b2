/**
 * The protocol's chunks as the service's `Chunk` messages and back: what the gateway sends and
 * what every gRPC client (the CLI, the bench) reads. One item per control chunk, its offset the
 * chunk's `from`; token chunks keep their range.
 */
import type { BlockKind, Chunk, ControlItem, ErrorCode, FinishReason } from '@spool/protocol';
import type { Chunk__Output, Chunk as GrpcChunk } from './generated/spool/v1/Chunk.ts';

export function toGrpcChunk(stream: string, chunk: Chunk): GrpcChunk {
  if (chunk.kind === 'tokens') {
    const { from, to, block, text } = chunk;
    return { stream, from, to, tokens: { block, text } };
  }
  const { item } = chunk;
  const range = { stream, from: item.offset, to: item.offset + 1 };
  switch (item.type) {
    case 'block_start':
      return {
        ...range,
        block_start: { block: item.block, kind: item.kind, tool: item.tool ?? null },
      };
    case 'block_end':
      return { ...range, block_end: { block: item.block } };
    case 'usage': {
      const { prompt_tokens, completion_tokens, total_tokens } = item;
      return { ...range, usage: { prompt_tokens, completion_tokens, total_tokens } };
    }
    case 'error':
      return { ...range, error: { code: item.code, message: item.message } };
    case 'end':
      return { ...range, end: { finish_reason: item.finish_reason } };
  }
}

/** A received `Chunk` as the protocol's chunk; undefined for a body this client does not know. */
export function fromGrpcChunk(chunk: Chunk__Output): Chunk | undefined {
  if (chunk.tokens) {
    const { block, text } = chunk.tokens;
    return { kind: 'tokens', from: chunk.from, to: chunk.to, block, text };
  }
  const item = controlItem(chunk);
  return item && { kind: 'control', item };
}

function controlItem(chunk: Chunk__Output): ControlItem | undefined {
  const offset = chunk.from;
  if (chunk.block_start) {
    const { block, kind, tool } = chunk.block_start;
    const base = { type: 'block_start' as const, offset, block, kind: kind as BlockKind };
    return tool ? { ...base, tool: { id: tool.id, name: tool.name } } : base;
  }
  if (chunk.block_end) return { type: 'block_end', offset, block: chunk.block_end.block };
  if (chunk.usage) return { type: 'usage', offset, ...chunk.usage };
  if (chunk.error) {
    const { code, message } = chunk.error;
    return { type: 'error', offset, code: code as ErrorCode, message };
  }
  if (chunk.end) {
    return { type: 'end', offset, finish_reason: chunk.end.finish_reason as FinishReason };
  }
  return undefined;
}
