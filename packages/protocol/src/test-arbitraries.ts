/**
 * fast-check arbitraries shared by this package's property tests. Not exported from the
 * package entry point: fast-check is a dev dependency only.
 */
import fc from 'fast-check';
import { type Chunk, chunkItems } from './chunk.ts';
import type { Chunking, ClientFrame, SubscribeOptions } from './client-frame.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import type { Item, NewItem } from './items.ts';
import {
  MAX_CHUNK_DELAY_MS,
  MAX_CHUNK_ITEMS,
  MAX_CREDENTIAL_LENGTH,
  MAX_WINDOW,
} from './limits.ts';
import type { ProtocolError } from './protocol-error.ts';

/** Pieces of text that have broken stream codecs before: line breaks, quotes, surrogates. */
const awkwardText = fc.constantFrom(
  '\n',
  '\r',
  '\r\n',
  '\n\n',
  '"',
  '\\',
  '\u0000',
  '\u2028',
  '\uFEFF',
  '😀',
  '👨‍👩‍👧',
  'é',
  '\uD800',
  '\uDC00',
  'data: x',
  'id: 1',
  ': hb',
);

/** Any text, including lone surrogates and every kind of line break. */
export const textArbitrary: fc.Arbitrary<string> = fc
  .array(fc.oneof(awkwardText, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 6 })
  .map((parts) => parts.join(''));

const base64url = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''),
);

export const streamIdArbitrary: fc.Arbitrary<string> = fc
  .string({ unit: base64url, minLength: 16, maxLength: 64 })
  .map((random) => `st_${random}`);

export const subscriptionIdArbitrary: fc.Arbitrary<string> = fc
  .string({ unit: base64url, minLength: 16, maxLength: 64 })
  .map((random) => `sub_${random}`);

export const offsetArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.nat({ max: 1_000 }),
  fc.maxSafeNat(),
);

export const errorCodeArbitrary: fc.Arbitrary<ErrorCode> = fc.constantFrom(
  ...(Object.keys(ERROR_CODES) as ErrorCode[]),
);

/** Few blocks, so that runs of tokens of one block are common. */
const blockArbitrary = fc.nat({ max: 3 });
const countArbitrary = fc.nat({ max: 1_000_000 });

const newControlItemArbitrary: fc.Arbitrary<Exclude<NewItem, { type: 'token' }>> = fc.oneof(
  fc.record({
    type: fc.constant('block_start' as const),
    block: blockArbitrary,
    kind: fc.constantFrom('text' as const, 'reasoning' as const),
  }),
  fc.record({
    type: fc.constant('block_start' as const),
    block: blockArbitrary,
    kind: fc.constant('tool_call' as const),
    tool: fc.record({ id: textArbitrary, name: textArbitrary }),
  }),
  fc.record({ type: fc.constant('block_end' as const), block: blockArbitrary }),
  fc.record({
    type: fc.constant('usage' as const),
    prompt_tokens: countArbitrary,
    completion_tokens: countArbitrary,
    total_tokens: countArbitrary,
  }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.string({ minLength: 1, maxLength: 20 }),
    message: textArbitrary,
  }),
  fc.record({
    type: fc.constant('end' as const),
    finish_reason: fc.constantFrom(
      'stop' as const,
      'length' as const,
      'tool_calls' as const,
      'cancelled' as const,
      'error' as const,
    ),
  }),
);

export const newItemArbitrary: fc.Arbitrary<NewItem> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('token' as const),
      block: blockArbitrary,
      text: textArbitrary,
    }),
  },
  { weight: 2, arbitrary: newControlItemArbitrary },
);

/** A run of items with dense offsets, starting anywhere (even near the largest safe integer). */
export const itemsArbitrary: fc.Arbitrary<Item[]> = fc
  .tuple(
    fc.oneof(fc.nat({ max: 100 }), fc.constant(Number.MAX_SAFE_INTEGER - 200)),
    fc.array(newItemArbitrary, { maxLength: 40 }),
  )
  .map(([start, items]) => items.map((item, index) => withOffset(item, start + index)));

export function withOffset(item: NewItem, offset: number): Item {
  return { ...item, offset };
}

export const maxItemsArbitrary: fc.Arbitrary<number> = fc.integer({ min: 1, max: 8 });

export const chunksArbitrary: fc.Arbitrary<Chunk[]> = fc
  .tuple(itemsArbitrary, maxItemsArbitrary)
  .map(([items, maxItems]) => chunkItems(items, maxItems));

export const protocolErrorArbitrary: fc.Arbitrary<ProtocolError> = fc.record(
  { code: errorCodeArbitrary, message: textArbitrary, stream: streamIdArbitrary },
  { requiredKeys: ['code', 'message'] },
);

/** Every chunking a client may ask for, within the limits. */
export const chunkingArbitrary: fc.Arbitrary<Chunking> = fc.oneof(
  fc.constantFrom('token' as const, 'adaptive' as const),
  fc.record(
    {
      maxItems: fc.integer({ min: 1, max: MAX_CHUNK_ITEMS }),
      maxDelayMs: fc.integer({ min: 0, max: MAX_CHUNK_DELAY_MS }),
    },
    { noNullPrototype: true },
  ),
);

const subscribeOptionsArbitrary: fc.Arbitrary<SubscribeOptions> = fc.record(
  {
    window: fc.integer({ min: 1, max: MAX_WINDOW }),
    chunking: chunkingArbitrary,
    token: fc.string({ minLength: 1, maxLength: MAX_CREDENTIAL_LENGTH }),
  },
  { requiredKeys: [] },
);

/** Client frames as the decoder returns them (a subscribe always has `from` or `subscription`). */
export const clientFrameArbitrary: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc
    .tuple(streamIdArbitrary, offsetArbitrary, subscribeOptionsArbitrary)
    .map(([stream, from, options]) => ({ type: 'subscribe' as const, stream, from, ...options })),
  fc
    .tuple(streamIdArbitrary, subscriptionIdArbitrary, subscribeOptionsArbitrary)
    .map(([stream, subscription, options]) => ({
      type: 'subscribe' as const,
      stream,
      subscription,
      ...options,
    })),
  fc.record({
    type: fc.constant('ack' as const),
    stream: streamIdArbitrary,
    offset: offsetArbitrary,
  }),
  fc
    .tuple(streamIdArbitrary, fc.nat({ max: 1_000 }), fc.integer({ min: 1, max: 1_000 }))
    .map(([stream, from, length]) => ({
      type: 'resend' as const,
      stream,
      from,
      to: from + length,
    })),
  fc.record({ type: fc.constant('resend' as const), stream: streamIdArbitrary, block: fc.nat() }),
  fc.record({
    type: fc.constantFrom('unsubscribe' as const, 'cancel' as const),
    stream: streamIdArbitrary,
  }),
);

/** Any JSON text: from fc.json, and from fc.anything where JSON can spell it. */
export const jsonTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.json(),
  fc.anything().map((value) => safeStringify(value)),
);

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

/** Objects that look like frames, with each field right, wrong or missing. */
export const frameLikeArbitrary: fc.Arbitrary<string> = fc
  .record(
    {
      type: fc.oneof(
        fc.constantFrom('subscribe', 'ack', 'resend', 'unsubscribe', 'cancel', 'tokens', 'end'),
        fc.constantFrom('error', 'block_start', 'usage', '__proto__', 'constructor', 'toString'),
        fc.jsonValue(),
      ),
      stream: fc.oneof(streamIdArbitrary, fc.jsonValue()),
      from: fc.oneof(offsetArbitrary, fc.constantFrom(-1, 1.5, 2 ** 53, 1e308), fc.jsonValue()),
      to: fc.oneof(offsetArbitrary, fc.jsonValue()),
      offset: fc.oneof(offsetArbitrary, fc.jsonValue()),
      block: fc.oneof(fc.nat({ max: 3 }), fc.jsonValue()),
      subscription: fc.oneof(subscriptionIdArbitrary, fc.jsonValue()),
      window: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.jsonValue()),
      chunking: fc.oneof(fc.constantFrom('token', 'adaptive', 'x'), fc.jsonValue()),
      text: fc.oneof(textArbitrary, fc.jsonValue()),
      code: fc.oneof(errorCodeArbitrary, fc.jsonValue()),
      message: fc.oneof(textArbitrary, fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  .map((frame) => JSON.stringify(frame));

/** Values that are right for some field of an item or chunk, wrong for others, or odd. */
const fieldValueArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  offsetArbitrary,
  fc.constantFrom(-1, -0, 0.5, 2 ** 53, 1e308, Number.NaN, Number.POSITIVE_INFINITY),
  fc.constantFrom('', '0', 'text', 'reasoning', 'tool_call', 'stop', 'error', 'worker_lost'),
  errorCodeArbitrary,
  textArbitrary,
  fc.record({ id: fc.oneof(fc.string(), fc.jsonValue()), name: fc.oneof(fc.string(), fc.nat()) }),
  fc.constantFrom(null, true, undefined),
  fc.jsonValue(),
);

const countOrOffset = fc.oneof(fc.nat({ max: 5 }), offsetArbitrary);
const mostlyText = fc.oneof(
  { weight: 8, arbitrary: textArbitrary },
  { weight: 1, arbitrary: fc.jsonValue() },
);

/** For every field of an item, a tokens chunk or a protocol error: values that are right for it. */
const rightFieldValues: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.constantFrom('token', 'tokens', 'block_start', 'block_end', 'usage', 'error', 'end'),
  offset: countOrOffset,
  from: countOrOffset,
  to: countOrOffset,
  block: blockArbitrary,
  text: textArbitrary,
  kind: fc.constantFrom('text', 'reasoning', 'tool_call'),
  tool: fc.option(fc.record({ id: mostlyText, name: mostlyText }), { nil: undefined }),
  prompt_tokens: countArbitrary,
  completion_tokens: countArbitrary,
  total_tokens: countArbitrary,
  code: fc.oneof(errorCodeArbitrary, fc.string({ maxLength: 3 })),
  message: textArbitrary,
  finish_reason: fc.constantFrom('stop', 'length', 'tool_calls', 'cancelled', 'error'),
  extra: fc.jsonValue(),
};

/**
 * Objects that look like items, tokens chunks or protocol errors, each field mostly right but
 * sometimes wrong or missing: for holding a hand-written decoder to the zod schema it replaces.
 */
export const itemLikeArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      Object.fromEntries(
        Object.entries(rightFieldValues).map(([name, right]) => [
          name,
          fc.oneof({ weight: 8, arbitrary: right }, { weight: 1, arbitrary: fieldValueArbitrary }),
        ]),
      ),
    ),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue()) },
);
