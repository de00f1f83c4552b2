import type { NewItem } from '@spool/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../model-adapter.ts';
import {
  alternatingKinds,
  emptyDeltas,
  finishingWith,
  interleavedToolCalls,
  lateToolCallId,
  openAIText,
  parallelToolCalls,
  reasoningField,
  reasoningThenText,
  textThenToolCall,
  toolCallWithoutId,
  wholeToolCall,
} from './delta-mapper.fixtures.ts';
import {
  type ChatCompletionChunk,
  DeltaMapper,
  mapFinishReason,
  parseChunk,
} from './delta-mapper.ts';

function mapAll(chunks: ChatCompletionChunk[]): NewItem[] {
  const mapper = new DeltaMapper();
  return [...chunks.flatMap((chunk) => mapper.push(chunk)), ...mapper.finish()];
}

const start = (block: number, kind: 'text' | 'reasoning'): NewItem => ({
  type: 'block_start',
  block,
  kind,
});
const call = (block: number, id: string, name: string): NewItem => ({
  type: 'block_start',
  block,
  kind: 'tool_call',
  tool: { id, name },
});
const token = (block: number, text: string): NewItem => ({ type: 'token', block, text });
const end = (block: number): NewItem => ({ type: 'block_end', block });
const usage: NewItem = { type: 'usage', prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

describe('DeltaMapper', () => {
  it.each<[string, ChatCompletionChunk[], NewItem[]]>([
    [
      'maps OpenAI text with usage, skipping the empty role chunk',
      openAIText,
      [
        start(0, 'text'),
        token(0, 'Hel'),
        token(0, 'lo'),
        end(0),
        usage,
        { type: 'end', finish_reason: 'stop' },
      ],
    ],
    [
      'closes the reasoning block before the text block opens',
      reasoningThenText,
      [
        start(0, 'reasoning'),
        token(0, 'Think'),
        token(0, 'ing.'),
        end(0),
        start(1, 'text'),
        token(1, 'Answer'),
        end(1),
        { type: 'end', finish_reason: 'stop' },
      ],
    ],
    [
      'reads delta.reasoning as reasoning',
      reasoningField,
      [
        start(0, 'reasoning'),
        token(0, 'hmm'),
        end(0),
        start(1, 'text'),
        token(1, 'ok'),
        end(1),
        { type: 'end', finish_reason: 'stop' },
      ],
    ],
    [
      'gives each parallel tool call its own block with its arguments as tokens',
      parallelToolCalls,
      [
        call(0, 'call_a', 'weather'),
        token(0, '{"city":'),
        token(0, '"Paris"}'),
        end(0),
        call(1, 'call_b', 'time'),
        token(1, '{}'),
        end(1),
        usage,
        { type: 'end', finish_reason: 'tool_calls' },
      ],
    ],
    [
      'closes the text block before a tool call',
      textThenToolCall,
      [
        start(0, 'text'),
        token(0, 'Let me check.'),
        end(0),
        call(1, 'call_a', 'f'),
        token(1, '{"x":1}'),
        end(1),
        { type: 'end', finish_reason: 'tool_calls' },
      ],
    ],
    [
      'maps a whole tool call in one delta',
      wholeToolCall,
      [call(0, 'call_x', 'f'), token(0, '{"a":2}'), end(0), { type: 'end', finish_reason: 'stop' }],
    ],
    [
      'holds arguments until the call has an id and a name',
      lateToolCallId,
      [
        call(0, 'call_late', 'f'),
        token(0, '{"a":1}'),
        end(0),
        { type: 'end', finish_reason: 'tool_calls' },
      ],
    ],
    [
      'opens a call that never got an id at the end with a made-up id',
      toolCallWithoutId,
      [
        call(0, 'call_0', 'f'),
        token(0, '{}'),
        end(0),
        { type: 'end', finish_reason: 'tool_calls' },
      ],
    ],
    [
      'continues an interleaved call in a new block with the same tool',
      interleavedToolCalls,
      [
        call(0, 'c0', 'f'),
        token(0, '{"a"'),
        end(0),
        call(1, 'c1', 'g'),
        token(1, '{}'),
        end(1),
        call(2, 'c0', 'f'),
        token(2, ':1}'),
        end(2),
        { type: 'end', finish_reason: 'tool_calls' },
      ],
    ],
    [
      'opens a new block each time the kind switches',
      alternatingKinds,
      [
        start(0, 'reasoning'),
        token(0, 'a'),
        end(0),
        start(1, 'text'),
        token(1, 'b'),
        end(1),
        start(2, 'reasoning'),
        token(2, 'c'),
        end(2),
        start(3, 'text'),
        token(3, 'd'),
        end(3),
        { type: 'end', finish_reason: 'length' },
      ],
    ],
    ['produces no block for empty strings', emptyDeltas, [{ type: 'end', finish_reason: 'stop' }]],
  ])('%s', (_name, chunks, expected) => {
    expect(mapAll(chunks)).toEqual(expected);
  });

  it('remembers the upstream finish_reason', () => {
    const mapper = new DeltaMapper();
    for (const chunk of finishingWith('length')) mapper.push(chunk);
    expect(mapper.finishReason).toBe('length');
  });

  it('has no finish_reason before a chunk carries one', () => {
    const mapper = new DeltaMapper();
    mapper.push(openAIText[1] ?? {});
    expect(mapper.finishReason).toBeUndefined();
  });

  it('keeps block indexes dense and every token inside its open block', () => {
    const piece = fc.record({
      kind: fc.constantFrom('content', 'reasoning_content', 'tool'),
      text: fc.string({ maxLength: 4 }),
      call: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const chunks = pieces.map(({ kind, text, call: index }) => ({
          choices: [
            {
              delta:
                kind === 'tool'
                  ? {
                      tool_calls: [
                        { index, id: `c${index}`, function: { name: 'f', arguments: text } },
                      ],
                    }
                  : { [kind]: text },
            },
          ],
        }));
        assertWellFormed(mapAll(chunks), pieces.map((p) => p.text).join(''));
      }),
    );
  });
});

/** Blocks 0, 1, 2… each opened once and closed before the next; tokens carry all the text. */
function assertWellFormed(items: NewItem[], text: string): void {
  let open: number | undefined;
  let next = 0;
  let seen = '';
  for (const item of items) {
    if (item.type === 'block_start') {
      expect(open).toBeUndefined();
      expect(item.block).toBe(next++);
      open = item.block;
    } else if (item.type === 'block_end') {
      expect(item.block).toBe(open);
      open = undefined;
    } else if (item.type === 'token') {
      expect(item.block).toBe(open);
      expect(item.text).not.toBe('');
      seen += item.text;
    }
  }
  expect(open).toBeUndefined();
  expect(items.at(-1)?.type).toBe('end');
  expect(seen).toBe(text);
}

describe('mapFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'stop'],
    ['something_new', 'stop'],
    [undefined, 'stop'],
  ])('maps %s to %s', (reason, expected) => {
    expect(mapFinishReason(reason)).toBe(expected);
  });
});

describe('parseChunk', () => {
  it('parses a chunk object', () => {
    expect(parseChunk('{"choices":[]}')).toEqual({ choices: [] });
  });

  it.each([
    ['not json', /^malformed SSE data from the upstream$/],
    ['[1,2]', /not a chunk object$/],
    ['"text"', /not a chunk object$/],
    ['{"error":{"message":"overloaded"}}', /^the upstream failed mid-stream$/],
  ])('refuses %s as upstream_error', (data, message) => {
    const error = catchError(() => parseChunk(data));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'upstream_error', retryable: false });
    expect((error as Error).message).toMatch(message);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
