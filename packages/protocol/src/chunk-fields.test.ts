import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Chunk } from './chunk.ts';
import { decodeChunkFields, decodeProtocolErrorFields } from './chunk-fields.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { isControlItemType } from './items.ts';
import type { JsonObject } from './json-object.ts';
import { type ProtocolError, protocolError, type Result } from './protocol-error.ts';
import { blockIndexSchema, controlItemSchema, offsetSchema } from './schemas.ts';
import { itemLikeArbitrary } from './test-arbitraries.ts';
import { validate } from './validate.ts';

/**
 * The zod decoding these hand-written decoders replaced, kept here as the reference they must
 * agree with: the same value, or the same code for the same field.
 */
const tokensFieldsSchema = z
  .object({ from: offsetSchema, to: offsetSchema, block: blockIndexSchema, text: z.string() })
  .refine((fields) => fields.to > fields.from, {
    message: 'must be greater than from',
    path: ['to'],
  });

const protocolErrorFieldsSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]], {
    error: 'not a known error code',
  }),
  message: z.string(),
});

const options = {
  code: 'invalid_frame',
  subject: 'frame',
  stream: 'st_AAAAAAAAAAAAAAAAAAAAAA',
} as const;

function zodChunkFields(type: string, fields: JsonObject): Result<Chunk> {
  if (type === 'tokens') {
    const tokens = validate(tokensFieldsSchema, fields, options);
    return tokens.ok ? { ok: true, value: { kind: 'tokens', ...tokens.value } } : tokens;
  }
  if (!isControlItemType(type)) {
    return { ok: false, error: protocolError('invalid_frame', 'unknown type', options.stream) };
  }
  const item = validate(controlItemSchema, { ...fields, type }, options);
  return item.ok ? { ok: true, value: { kind: 'control', item: item.value } } : item;
}

function zodProtocolErrorFields(fields: JsonObject): Result<ProtocolError> {
  const parsed = validate(protocolErrorFieldsSchema, fields, options);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: protocolError(parsed.value.code, parsed.value.message, options.stream),
  };
}

/** A result with the message cut to the field it names: the wording differs from zod's. */
function outcome<T>(result: Result<T>) {
  if (result.ok) return result;
  const { code, message, stream } = result.error;
  const field = message.startsWith('unknown type')
    ? 'type'
    : message.slice(0, message.indexOf(': '));
  return { ok: false, code, field, stream };
}

/** Item-like objects as a decoder gets them: parsed from JSON, with a `type` to decode them as. */
const fieldsArbitrary = fc
  .tuple(
    itemLikeArbitrary,
    fc.constantFrom('tokens', 'block_start', 'block_end', 'usage', 'error', 'end', 'token', 'x'),
  )
  .map(([value, type]) => ({ type, fields: JSON.parse(JSON.stringify(value)) as JsonObject }));

describe('chunk fields', () => {
  it('decode as the zod schemas did, for any fields', () => {
    fc.assert(
      fc.property(fieldsArbitrary, ({ type, fields }) => {
        expect(outcome(decodeChunkFields(type, fields, options))).toEqual(
          outcome(zodChunkFields(type, fields)),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('decode protocol errors as the zod schema did, for any fields', () => {
    fc.assert(
      fc.property(fieldsArbitrary, ({ fields }) => {
        expect(outcome(decodeProtocolErrorFields(fields, options))).toEqual(
          outcome(zodProtocolErrorFields(fields)),
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it('name the wrong field with its code', () => {
    const { stream } = options;
    expect(decodeChunkFields('tokens', { from: 2, to: 2, block: 0, text: '' }, options)).toEqual({
      ok: false,
      error: { code: 'invalid_offset', message: 'to: must be greater than from', stream },
    });
    expect(decodeChunkFields('usage', { offset: 0, prompt_tokens: 1.5 }, options)).toEqual({
      ok: false,
      error: {
        code: 'invalid_frame',
        message: 'prompt_tokens: expected a non-negative integer',
        stream,
      },
    });
    expect(decodeProtocolErrorFields({ code: 'nope', message: 'x' }, options)).toEqual({
      ok: false,
      error: { code: 'invalid_frame', message: 'code: not a known error code', stream },
    });
  });
});
