import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chunk, chunkItems } from './chunk.ts';
import { isErrorCode } from './errors.ts';
import type { Item } from './items.ts';
import type { ProtocolError, Result } from './protocol-error.ts';
import {
  createSseDecoder,
  decodeSseEvent,
  encodeSseChunk,
  encodeSseProtocolError,
  encodeSseRetry,
  SSE_HEARTBEAT,
  type SseMessage,
} from './sse.ts';
import { chunksArbitrary, protocolErrorArbitrary } from './test-arbitraries.ts';

/** The example of SPEC section 4, byte for byte. */
const SPEC_EXAMPLE = [
  'retry: 1000',
  '',
  'id: 5',
  'event: tokens',
  'data: {"from":0,"to":5,"block":0,"text":"Hello, wor"}',
  '',
  'id: 6',
  'event: block_end',
  'data: {"offset":5,"block":0}',
  '',
  'id: 7',
  'event: end',
  'data: {"offset":6,"finish_reason":"stop"}',
  '',
  '',
].join('\n');

const SPEC_ITEMS: Item[] = [
  { type: 'token', offset: 0, block: 0, text: 'Hel' },
  { type: 'token', offset: 1, block: 0, text: 'lo' },
  { type: 'token', offset: 2, block: 0, text: ', ' },
  { type: 'token', offset: 3, block: 0, text: 'wo' },
  { type: 'token', offset: 4, block: 0, text: 'r' },
  { type: 'block_end', offset: 5, block: 0 },
  { type: 'end', offset: 6, finish_reason: 'stop' },
];

function decodeAll(pieces: readonly (string | Uint8Array)[]): Result<SseMessage>[] {
  const results: Result<SseMessage>[] = [];
  const decoder = createSseDecoder((result) => results.push(result));
  for (const piece of pieces) decoder.feed(piece);
  return results;
}

/** Cuts `whole` at the given points (taken modulo its length). */
function split<T extends string | Uint8Array>(whole: T, points: readonly number[]): T[] {
  const cuts = [...new Set(points.map((point) => point % (whole.length + 1)))].sort(
    (a, b) => a - b,
  );
  const pieces: T[] = [];
  let start = 0;
  for (const cut of [...cuts, whole.length]) {
    pieces.push(whole.slice(start, cut) as T);
    start = cut;
  }
  return pieces;
}

describe('SSE encoding', () => {
  it('produces the example of SPEC section 4 byte for byte', () => {
    const events = chunkItems(SPEC_ITEMS, 16).map((chunk) => encodeSseChunk(chunk));
    expect(encodeSseRetry(1000) + events.join('')).toBe(SPEC_EXAMPLE);
  });

  it('encodes every control item type with its fields and no type', () => {
    const cases: [Item, string][] = [
      [
        {
          type: 'block_start',
          offset: 0,
          block: 1,
          kind: 'tool_call',
          tool: { id: 'c1', name: 'f' },
        },
        'id: 1\nevent: block_start\ndata: {"offset":0,"block":1,"kind":"tool_call","tool":{"id":"c1","name":"f"}}\n\n',
      ],
      [
        { type: 'block_start', offset: 3, block: 0, kind: 'text' },
        'id: 4\nevent: block_start\ndata: {"offset":3,"block":0,"kind":"text"}\n\n',
      ],
      [
        { type: 'usage', offset: 9, prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
        'id: 10\nevent: usage\ndata: {"offset":9,"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}\n\n',
      ],
      [
        { type: 'error', offset: 10, code: 'worker_lost', message: 'gone' },
        'id: 11\nevent: error\ndata: {"offset":10,"code":"worker_lost","message":"gone"}\n\n',
      ],
    ];
    for (const [item, expected] of cases) {
      expect(
        chunkItems([item], 1)
          .map((chunk) => encodeSseChunk(chunk))
          .join(''),
      ).toBe(expected);
    }
  });

  it('writes the epoch after the offset in the id, and reads such ids back', () => {
    const chunk: Chunk = { kind: 'tokens', from: 0, to: 5, block: 0, text: 'Hello' };
    const event = encodeSseChunk(chunk, '1f3a9c2e');
    expect(event.startsWith('id: 5:1f3a9c2e\nevent: tokens\n')).toBe(true);
    expect(decodeAll([event])).toEqual([{ ok: true, value: chunk }]);
    expect(
      decodeSseEvent({ event: 'tokens', data: event.split('data: ')[1] ?? '', id: '4:1f3a9c2e' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_frame' } });
  });

  it('encodes a protocol error without an id line', () => {
    const error = { code: 'offset_expired', message: 'gone' } as const;
    expect(encodeSseProtocolError(error)).toBe(
      'event: error\ndata: {"code":"offset_expired","message":"gone"}\n\n',
    );
  });

  it('keeps line breaks inside text out of the data line', () => {
    const chunk: Chunk = { kind: 'tokens', from: 0, to: 1, block: 0, text: 'a\nb\r\nc\rd' };
    const event = encodeSseChunk(chunk);
    expect(event.split('\n')).toHaveLength(5);
    expect(event).not.toContain('\r');
  });

  it('sends heartbeats as comments and refuses a bad retry', () => {
    expect(SSE_HEARTBEAT).toBe(': hb\n\n');
    expect(() => encodeSseRetry(-1)).toThrow(RangeError);
  });
});

describe('SSE decoding', () => {
  it('decodes the SPEC example into its chunks', () => {
    const expected = chunkItems(SPEC_ITEMS, 16).map((value) => ({ ok: true, value }));
    expect(decodeAll([SPEC_EXAMPLE])).toEqual(expected);
  });

  it('refuses events that are not Spool events', () => {
    const cases: [Parameters<typeof decodeSseEvent>[0], string][] = [
      [{ data: '{"offset":1}' }, 'invalid_frame'],
      [{ event: 'tokens', data: 'not json' }, 'invalid_frame'],
      [{ event: 'tokens', data: '[1]' }, 'invalid_frame'],
      [{ event: 'tokens', data: '{"from":3,"to":3,"block":0,"text":""}' }, 'invalid_offset'],
      [
        { event: 'tokens', data: '{"from":0,"to":1,"block":0,"text":"x"}', id: '2' },
        'invalid_frame',
      ],
      [{ event: 'message', data: '{"offset":1}' }, 'invalid_frame'],
      [{ event: 'end', data: '{"offset":1,"finish_reason":"done"}' }, 'invalid_frame'],
      [{ event: 'error', data: '{"code":"no_such_code","message":"x"}' }, 'invalid_frame'],
      [{ event: 'block_end', data: '{"offset":-1,"block":0}' }, 'invalid_offset'],
    ];
    for (const [event, code] of cases) {
      const result = decodeSseEvent(event);
      expect(result.ok ? undefined : result.error.code, JSON.stringify(event)).toBe(code);
    }
  });

  it('decodes a protocol error, ignoring the id an EventSource reports with it', () => {
    const event = { event: 'error', data: '{"code":"offset_expired","message":"gone"}', id: '12' };
    expect(decodeSseEvent(event)).toEqual({
      ok: true,
      value: { kind: 'error', error: { code: 'offset_expired', message: 'gone' } },
    });
  });

  it('reports retry and comments to their callbacks', () => {
    const seen: unknown[] = [];
    const decoder = createSseDecoder(() => undefined, {
      onRetry: (milliseconds) => seen.push(milliseconds),
      onComment: (comment) => seen.push(comment),
    });
    decoder.feed(`${encodeSseRetry(250)}${SSE_HEARTBEAT}`);
    expect(seen).toEqual([250, 'hb']);
  });

  it('refuses an event that buffers too much once, then ignores input until reset', () => {
    const results: Result<SseMessage>[] = [];
    const decoder = createSseDecoder((result) => results.push(result), { maxBufferSize: 64 });
    const big: Chunk = { kind: 'tokens', from: 0, to: 1, block: 0, text: 'x'.repeat(100) };
    const small: Chunk = { kind: 'tokens', from: 1, to: 2, block: 0, text: 'y' };
    for (const piece of encodeSseChunk(big).match(/.{1,10}/gs) ?? []) decoder.feed(piece);
    decoder.feed(encodeSseChunk(small));
    expect(results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'payload_too_large',
    ]);
    decoder.reset();
    decoder.feed(encodeSseChunk(small));
    expect(results.at(-1)).toEqual({ ok: true, value: small });
  });
});

describe('SSE properties', () => {
  const streamArbitrary = fc.record({
    chunks: chunksArbitrary,
    errors: fc.array(protocolErrorArbitrary, { maxLength: 2 }),
    cuts: fc.array(fc.nat(), { maxLength: 30 }),
  });

  /** A whole response: retry, events with heartbeats between them, then protocol errors. */
  function response(chunks: readonly Chunk[], errors: readonly ProtocolError[]): string {
    const events = chunks.map((chunk) => encodeSseChunk(chunk) + SSE_HEARTBEAT);
    return encodeSseRetry(1000) + events.join('') + errors.map(encodeSseProtocolError).join('');
  }

  function expected(chunks: readonly Chunk[], errors: readonly ProtocolError[]) {
    const errorMessages = errors.map(({ code, message }) => ({
      kind: 'error' as const,
      error: { code, message },
    }));
    return [...chunks, ...errorMessages].map((value) => ({ ok: true, value }));
  }

  it('decodes what it encodes, for any items', () => {
    fc.assert(
      fc.property(streamArbitrary, ({ chunks, errors }) => {
        expect(decodeAll([response(chunks, errors)])).toEqual(expected(chunks, errors));
      }),
    );
  });

  it('decodes the same under any split of the bytes', () => {
    fc.assert(
      fc.property(streamArbitrary, ({ chunks, errors, cuts }) => {
        const bytes = new TextEncoder().encode(response(chunks, errors));
        expect(decodeAll(split(bytes, cuts))).toEqual(expected(chunks, errors));
      }),
    );
  });

  it('decodes the same under any split of the text', () => {
    fc.assert(
      fc.property(streamArbitrary, ({ chunks, errors, cuts }) => {
        const text = response(chunks, errors);
        expect(decodeAll(split(text, cuts))).toEqual(expected(chunks, errors));
      }),
    );
  });

  it('never throws on arbitrary input and answers only known codes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array())), (pieces) => {
        const onlyText = pieces.filter((piece) => typeof piece === 'string');
        for (const result of [...decodeAll(onlyText), ...decodeAll(pieces)]) {
          if (!result.ok) expect(isErrorCode(result.error.code)).toBe(true);
        }
      }),
    );
  });
});
