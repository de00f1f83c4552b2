import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAckAnswer,
  decodeCancelAnswer,
  decodeCreateStreamAnswer,
  decodeCreateSubscriptionAnswer,
  decodeItemsPage,
  decodeStreamMetadata,
} from './http-api.ts';
import { streamUrls } from './http-paths.ts';
import type { Result } from './protocol-error.ts';
import { itemsArbitrary } from './test-arbitraries.ts';

const id = 'st_AAAAAAAAAAAAAAAAAAAAAA';
const subscription = 'sub_BBBBBBBBBBBBBBBBBBBBBB';

/** What a decoder makes of `body` once it went through JSON, as the SDK receives it. */
function received<T>(decode: (value: unknown) => Result<T>, body: unknown): Result<T> {
  return decode(JSON.parse(JSON.stringify(body)));
}

function refusal<T>(result: Result<T>): string | undefined {
  return result.ok ? undefined : result.error.message;
}

describe('the answers of the HTTP API', () => {
  it.each([
    ['a created stream', decodeCreateStreamAnswer, { id, status: 'queued', urls: streamUrls(id) }],
    [
      'the metadata of a new stream',
      decodeStreamMetadata,
      { id, status: 'queued', length: 0, model: null, created_at: '2026-01-01T00:00:00.000Z' },
    ],
    [
      'the metadata of an ended stream',
      decodeStreamMetadata,
      {
        id,
        status: 'done',
        length: 11,
        model: 'synthetic',
        created_at: '2026-01-01T00:00:00.000Z',
        finish_reason: 'tool_calls',
        metadata: { user: 'u1', __proto__: 'kept as a key' },
      },
    ],
    [
      'a page of items',
      decodeItemsPage,
      {
        items: [
          { type: 'block_start', offset: 0, block: 0, kind: 'text' },
          { type: 'token', offset: 1, block: 0, text: 'Hi' },
          { type: 'block_end', offset: 2, block: 0 },
          { type: 'end', offset: 3, finish_reason: 'stop' },
        ],
        next: 4,
        done: true,
      },
    ],
    ['a cancel', decodeCancelAnswer, { id, status: 'running' }],
    ['a created subscription', decodeCreateSubscriptionAnswer, { subscription, from: 30 }],
    ['an ack', decodeAckAnswer, { subscription, acked: 12 }],
  ] as [string, (value: unknown) => Result<unknown>, unknown][])(
    'decodes %s as sent',
    (_name, decode, body) => {
      const parsed = JSON.parse(JSON.stringify(body));
      expect(decode(parsed)).toStrictEqual({ ok: true, value: parsed });
    },
  );

  it('decodes any page of items as sent', () => {
    fc.assert(
      fc.property(itemsArbitrary, fc.boolean(), (items, done) => {
        const body = { items, next: (items.at(-1)?.offset ?? -1) + 1, done };
        expect(received(decodeItemsPage, body)).toEqual({ ok: true, value: body });
      }),
    );
  });

  it('drops fields that are not part of an answer', () => {
    const body = { subscription, from: 3, extra: true };
    expect(received(decodeCreateSubscriptionAnswer, body)).toStrictEqual({
      ok: true,
      value: { subscription, from: 3 },
    });
  });

  it.each([
    ['not an object', decodeAckAnswer, [], 'body: expected an object'],
    [
      'a missing field',
      decodeAckAnswer,
      { subscription },
      'acked: expected a non-negative integer',
    ],
    [
      'an unknown status',
      decodeCreateStreamAnswer,
      { id, status: 'paused', urls: streamUrls(id) },
      'status: expected one of queued, running, done, cancelled, failed',
    ],
    [
      'a nested field',
      decodeCreateStreamAnswer,
      { id, status: 'queued', urls: { events: '', ws: '' } },
      'urls.items: expected a string',
    ],
    [
      'a bad item',
      decodeItemsPage,
      { items: [{ type: 'token', offset: 0, block: 0 }], next: 1, done: false },
      'items[0]: text: expected a string',
    ],
    [
      'a metadata value',
      decodeStreamMetadata,
      { id, status: 'done', length: 1, model: null, created_at: '', metadata: { n: 1 } },
      'metadata.n: expected a string',
    ],
  ] as [string, (value: unknown) => Result<unknown>, unknown, string][])(
    'refuses %s, naming the field',
    (_name, decode, body, message) => {
      expect(refusal(received(decode, body))).toBe(message);
    },
  );
});
