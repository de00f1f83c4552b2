/**
 * Bodies of the routes that create a stream — `POST /v1/streams`, `/v1/chat/completions`,
 * `/v1/messages` — each valid by construction or with one fault whose documented answer is
 * `400 invalid_request` (docs/protocol.md sections 3, 8, 10). Valid bodies ask for 1–3 tokens
 * at 1,000 tokens/s, so the generations they start end at once and do not swamp the worker.
 */
import fc from 'fast-check';
import { badUtf8, hostileJson, hostileString } from './hostile.ts';

export type Body = Record<string, unknown>;

/** A body and whether it is valid (an invalid one answers `400 invalid_request`). */
export interface BodyCase {
  body: Body;
  /** The bytes to send instead of `body` as JSON. */
  raw?: Buffer;
  valid: boolean;
  label: string;
}

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
const smallGeneration = fc.record({
  max_tokens: fc.integer({ min: 1, max: 3 }),
  tokens_per_second: fc.constant(1_000),
});

/** Param values the gateway refuses for the params Spool gives a meaning to (section 3). */
const badParams: fc.Arbitrary<Body> = fc.oneof(
  fc
    .constantFrom(0, -1, 1.5, 100_001, 32_769, '5', true, 1e308)
    .map((value): Body => ({ max_tokens: value })),
  fc
    .constantFrom(0, -1, '1', false)
    .map((value): Body => ({ max_tokens: 1, tokens_per_second: value })),
  fc.constantFrom(-1, 60_001, 'x').map((value): Body => ({ max_tokens: 1, prefill_ms: value })),
  fc.constantFrom(true).map((value): Body => ({ max_tokens: 1, seed: value })),
);

/** `POST /v1/streams` bodies (section 3). */
export const createBody: fc.Arbitrary<BodyCase> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          prompt: fc.oneof(text, hostileString),
          params: smallGeneration,
          model: fc.oneof(
            fc.string({ minLength: 1, maxLength: 256 }),
            hostileString.filter((model) => model.length >= 1 && model.length <= 256),
          ),
          metadata: fc.dictionary(
            // A `__proto__` key is refused (section 3): not here.
            hostileString.filter(
              (key) => key.length >= 1 && key.length <= 64 && key !== '__proto__',
            ),
            hostileString.filter((value) => value.length <= 512),
            { maxKeys: 4 },
          ),
          // Unknown fields are dropped (section 3), but prototype keys are refused: not here.
          extra: hostileJson.filter(
            (value) => !/"(__proto__|constructor)"/.test(JSON.stringify(value) ?? ''),
          ),
        },
        { requiredKeys: ['prompt', 'params'] },
      )
      .map((body) => ({ body, valid: true, label: 'create: valid' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer'),
        text,
        smallGeneration,
      )
      .map(([role, content, params]) => ({
        body: { messages: [{ role, content }], params },
        valid: true,
        label: 'create: valid messages',
      })),
  },
  {
    weight: 1,
    // Bytes that are not UTF-8 inside a string: read as U+FFFD, so the body is valid.
    arbitrary: badUtf8.map((bytes) => ({
      body: {},
      raw: Buffer.concat([
        Buffer.from('{"prompt":"'),
        bytes.filter((byte) => byte !== 0x22 && byte !== 0x5c && byte >= 0x20),
        Buffer.from('","params":{"max_tokens":1,"tokens_per_second":1000}}'),
      ]),
      valid: true,
      label: 'create: bytes that are not UTF-8 in the prompt',
    })),
  },
  { weight: 6, arbitrary: createFault() },
);

function createFault(): fc.Arbitrary<BodyCase> {
  const fault = (label: string, body: fc.Arbitrary<Body>) =>
    body.map((each) => ({ body: each, valid: false, label: `create: ${label}` }));
  const prompt = { prompt: 'Hi.', params: { max_tokens: 1 } };
  return fc.oneof(
    fault('neither prompt nor messages', fc.constant({ params: { max_tokens: 1 } })),
    fault('both', fc.constant({ ...prompt, messages: [{ role: 'user', content: 'x' }] })),
    fault(
      'prompt of another type',
      hostileJson.filter((value) => typeof value !== 'string').map((p) => ({ prompt: p })),
    ),
    fault(
      'messages of another type',
      hostileJson
        .filter(
          (value) => !Array.isArray(value) || value.length === 0 || typeof value[0] !== 'object',
        )
        .map((messages) => ({ messages })),
    ),
    fault(
      'a bad role',
      hostileString
        .filter((role) => !['system', 'developer', 'user', 'assistant', 'tool'].includes(role))
        .map((role) => ({ messages: [{ role, content: 'x' }] })),
    ),
    fault(
      'content not text',
      hostileJson
        .filter((value) => typeof value !== 'string')
        .map((content) => ({ messages: [{ role: 'user', content }] })),
    ),
    fault(
      'too many messages',
      fc.constant({
        messages: Array.from({ length: 1_025 }, () => ({ role: 'user', content: '' })),
      }),
    ),
    fault(
      'model out of bounds',
      fc.constantFrom('', 'm'.repeat(257), 5, null, [], {}).map((model) => ({ ...prompt, model })),
    ),
    fault(
      'params not an object',
      fc.constantFrom(5, 'x', [], null, true).map((params) => ({ prompt: 'x', params })),
    ),
    fault(
      'a param of another type',
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(null, [], {}, [1]))
        .map(([key, value]) => ({ prompt: 'x', params: { [key]: value } })),
    ),
    fault(
      'too many params',
      fc.constant({
        prompt: 'x',
        params: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, i])),
      }),
    ),
    fault('a long param name', fc.constant({ prompt: 'x', params: { ['k'.repeat(65)]: 1 } })),
    fault('a long param value', fc.constant({ prompt: 'x', params: { stop: 's'.repeat(1_025) } })),
    fault(
      'a bad generation param',
      badParams.map((params) => ({ prompt: 'x', params })),
    ),
    fault(
      'metadata out of bounds',
      fc
        .constantFrom<unknown>(
          5,
          { k: 1 },
          { ['k'.repeat(65)]: 'v' },
          { k: 'v'.repeat(513) },
          Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, 'v'])),
        )
        .map((metadata) => ({ ...prompt, metadata })),
    ),
    fault(
      'a prompt over SPOOL_MAX_PROMPT_CHARS',
      fc.constant({ prompt: 'p'.repeat(20_001), params: { max_tokens: 1 } }),
    ),
  );
}

const chatRoles = ['system', 'developer', 'user', 'assistant', 'tool'];

/** `POST /v1/chat/completions` bodies (section 8). */
export const chatBody: fc.Arbitrary<BodyCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({
        content: fc.oneof(
          text,
          hostileString,
          fc.array(
            text.map((t) => ({ type: 'text', text: t })),
            { minLength: 1, maxLength: 3 },
          ),
        ),
        stream: fc.boolean(),
        usage: fc.boolean(),
        params: smallGeneration,
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      })
      .map(({ content, stream, usage, params, temperature }) => ({
        body: {
          messages: [{ role: 'user', content }],
          stream,
          ...(stream ? { stream_options: { include_usage: usage } } : {}),
          temperature,
          ...params,
        },
        valid: true,
        label: 'chat: valid',
      })),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.constant({ messages: [] }),
        fc.constant({ stream: true }),
        hostileJson
          .filter((value) => !Array.isArray(value) || value.length === 0)
          .map((messages) => ({ messages })),
        hostileString
          .filter((role) => !chatRoles.includes(role))
          .map((role) => ({ messages: [{ role, content: 'x' }] })),
        fc
          .constantFrom<unknown>(
            5,
            null,
            {},
            [{ type: 'image_url', image_url: { url: 'x' } }],
            [{ type: 'text' }],
          )
          .map((content) => ({ messages: [{ role: 'user', content }] })),
        fc
          .constantFrom<unknown>(2, 0, 'x')
          .map((n) => ({ messages: [{ role: 'user', content: 'x' }], n })),
        fc
          .constantFrom<unknown>('yes', 1, {})
          .map((stream) => ({ messages: [{ role: 'user', content: 'x' }], stream })),
        fc
          .constantFrom<unknown>('', 'm'.repeat(257), 7)
          .map((model) => ({ messages: [{ role: 'user', content: 'x' }], model })),
        fc.constant({
          messages: [{ role: 'user', content: 'x' }],
          ...Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, i])),
        }),
        fc.constant({ messages: [{ role: 'user', content: 'x' }], ['f'.repeat(65)]: 1 }),
        badParams.map((params) => ({ messages: [{ role: 'user', content: 'x' }], ...params })),
      )
      .map((body) => ({ body, valid: false, label: 'chat: fault' })),
  },
);

/** `POST /v1/messages` bodies (section 10). */
export const messagesBody: fc.Arbitrary<BodyCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({
        content: fc.oneof(
          text,
          hostileString,
          fc.array(
            text.map((t) => ({ type: 'text', text: t })),
            { minLength: 1, maxLength: 3 },
          ),
        ),
        stream: fc.boolean(),
        system: fc.option(text, { nil: undefined }),
        params: smallGeneration,
      })
      .map(({ content, stream, system, params }) => ({
        body: {
          messages: [{ role: 'user', content }],
          stream,
          ...(system === undefined ? {} : { system }),
          ...params,
        },
        valid: true,
        label: 'messages: valid',
      })),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.constant({ messages: [] }),
        fc.constant({ max_tokens: 1 }),
        hostileJson
          .filter((value) => !Array.isArray(value) || value.length === 0)
          .map((messages) => ({ messages })),
        hostileString
          .filter((role) => role !== 'user' && role !== 'assistant')
          .map((role) => ({ messages: [{ role, content: 'x' }] })),
        fc
          .constantFrom<unknown>(
            5,
            null,
            {},
            [{ type: 'image', source: {} }],
            [{ type: 'document' }],
            [{ type: 'text', text: 5 }],
          )
          .map((content) => ({ messages: [{ role: 'user', content }] })),
        fc
          .constantFrom<unknown>(5, {}, [{ type: 'image' }])
          .map((system) => ({ messages: [{ role: 'user', content: 'x' }], system })),
        fc
          .constantFrom<unknown>('yes', 1)
          .map((stream) => ({ messages: [{ role: 'user', content: 'x' }], stream })),
        fc.constant({
          messages: [{ role: 'user', content: 'x' }],
          ...Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, i])),
        }),
        badParams.map((params) => ({ messages: [{ role: 'user', content: 'x' }], ...params })),
      )
      .map((body) => ({ body, valid: false, label: 'messages: fault' })),
  },
);

const chatIds = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);

/** `POST /v1/ai-sdk/chat` bodies (section 13): the AI SDK transports' bodies. */
export const aiSdkChatBody: fc.Arbitrary<BodyCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record(
        {
          id: chatIds,
          text: fc.oneof(text, hostileString),
          role: fc.constantFrom('user', 'system', 'assistant'),
          parts: fc.array(fc.constantFrom('reasoning', 'step-start', 'file', 'tool-x'), {
            maxLength: 3,
          }),
          trigger: fc.constantFrom('submit-message', 'regenerate-message'),
          params: smallGeneration,
          model: fc.string({ minLength: 1, maxLength: 256 }),
        },
        { requiredKeys: ['text', 'role', 'parts', 'params'] },
      )
      .map(({ text: said, role, parts, params, ...rest }) => ({
        body: {
          ...rest,
          messages: [
            {
              id: 'm1',
              role,
              parts: [{ type: 'text', text: said }, ...parts.map((type) => ({ type }))],
            },
          ],
          params,
        },
        valid: true,
        label: 'ai-sdk chat: valid',
      })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant<Body>({ id: 'c', messages: [] }),
        fc.constant<Body>({ id: 'c' }),
        hostileString
          .filter((id) => !/^[A-Za-z0-9_.:-]{1,128}$/.test(id))
          .map((id): Body => ({ id, messages: [{ role: 'user', parts: [] }] })),
        hostileString
          .filter((role) => !['system', 'user', 'assistant'].includes(role))
          .map((role): Body => ({ messages: [{ role, parts: [] }] })),
        hostileJson
          .filter((parts) => !Array.isArray(parts))
          .map((parts): Body => ({ messages: [{ role: 'user', parts }] })),
        fc
          .constantFrom<unknown>('send', 1, null)
          .map((trigger): Body => ({ messages: [{ role: 'user', parts: [] }], trigger })),
        badParams.map((params): Body => ({ messages: [{ role: 'user', parts: [] }], params })),
      )
      .map((body) => ({ body, valid: false, label: 'ai-sdk chat: fault' })),
  },
);
