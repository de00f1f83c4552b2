/**
 * `chat.completion.chunk` sequences shaped as real upstreams send them (envelope fields
 * trimmed to what varies), for the delta mapper's tests.
 */
import type { ChatCompletionChunk, ChunkDelta } from './delta-mapper.ts';

function chunk(delta: ChunkDelta, finishReason: string | null = null): ChatCompletionChunk {
  return { choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

/** OpenAI with `include_usage`: a role chunk with empty content, `usage: null` until the end. */
export const openAIText: ChatCompletionChunk[] = [
  { ...chunk({ role: 'assistant', content: '', refusal: null }), usage: null },
  { ...chunk({ content: 'Hel' }), usage: null },
  { ...chunk({ content: 'lo' }), usage: null },
  { ...chunk({}, 'stop'), usage: null },
  { choices: [], usage: { ...usage, prompt_tokens_details: { cached_tokens: 0 } } },
];

/** DeepSeek-style `reasoning_content`, then `content` with `reasoning_content: null`. */
export const reasoningThenText: ChatCompletionChunk[] = [
  chunk({ content: null, reasoning_content: 'Think' }),
  chunk({ content: null, reasoning_content: 'ing.' }),
  chunk({ content: 'Answer', reasoning_content: null }),
  chunk({ content: '', reasoning_content: null }, 'stop'),
];

/** vLLM / Ollama name the field `reasoning`. */
export const reasoningField: ChatCompletionChunk[] = [
  chunk({ reasoning: 'hmm' }),
  chunk({ content: 'ok' }),
  chunk({}, 'stop'),
];

/** OpenAI parallel tool calls: id, type and name first, then argument pieces, call by call. */
export const parallelToolCalls: ChatCompletionChunk[] = [
  chunk({ role: 'assistant', content: null }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_a', function: { name: 'weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'time', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
  chunk({}, 'tool_calls'),
  { choices: [], usage },
];

/** Text, then a call: the text block closes before the tool_call block opens. */
export const textThenToolCall: ChatCompletionChunk[] = [
  chunk({ content: 'Let me check.' }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{"x":1}' } }],
  }),
  chunk({}, 'tool_calls'),
];

/** Ollama: a whole call in one delta, and `finish_reason: 'stop'` even so. */
export const wholeToolCall: ChatCompletionChunk[] = [
  chunk({
    content: '',
    tool_calls: [{ index: 0, id: 'call_x', function: { name: 'f', arguments: '{"a":2}' } }],
  }),
  chunk({ content: '' }, 'stop'),
];

/** Name and id in separate deltas, arguments before either: held until the block can open. */
export const lateToolCallId: ChatCompletionChunk[] = [
  chunk({ tool_calls: [{ index: 0, function: { name: 'f' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }),
  chunk({ tool_calls: [{ index: 0, id: 'call_late', function: { arguments: ':1}' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '' } }] }, 'tool_calls'),
];

/** A server that never sends an id: the call opens at the end with a made-up one. */
export const toolCallWithoutId: ChatCompletionChunk[] = [
  chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }),
  chunk({}, 'tool_calls'),
];

/** Arguments of call 0 resume after call 1 opened: a new block with the same tool. */
export const interleavedToolCalls: ChatCompletionChunk[] = [
  chunk({ tool_calls: [{ index: 0, id: 'c0', function: { name: 'f', arguments: '{"a"' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'c1', function: { name: 'g', arguments: '{}' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
  chunk({}, 'tool_calls'),
];

/** Reasoning, text, reasoning again: three blocks, never a reopened one. */
export const alternatingKinds: ChatCompletionChunk[] = [
  chunk({ reasoning_content: 'a' }),
  chunk({ content: 'b' }),
  chunk({ reasoning_content: 'c' }),
  chunk({ content: 'd' }, 'length'),
];

/** Only empty strings and nulls: no block at all. */
export const emptyDeltas: ChatCompletionChunk[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: null, reasoning_content: '' }),
  { choices: [] },
  chunk({ content: '' }, 'stop'),
];

export function finishingWith(reason: string | null): ChatCompletionChunk[] {
  return [chunk({ content: 'x' }), chunk({}, reason)];
}
