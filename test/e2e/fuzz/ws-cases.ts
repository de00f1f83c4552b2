/**
 * Generated WebSocket frames (docs/protocol.md section 5) with the answer the docs give each:
 * garbage (not JSON, not an object, not UTF-8, too large, unknown `type`), every frame type with
 * one bad field (its code by field: `invalid_offset`, `invalid_stream_id`,
 * `invalid_subscription_id`, else `invalid_frame`), credentials in `subscribe` frames (section
 * 12), streams unknown, foreign and not subscribed, and subscribe storms within the socket's limit.
 * `lane` is how the socket was opened: with the fuzz key (the default credential of its frames)
 * or with none.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import type { Fixtures } from './fixtures.ts';
import { badUtf8, brokenJson, hostileJson } from './hostile.ts';
import {
  authOf,
  error,
  ownedOf,
  streamTail,
  text,
  WS_MAX_FRAME_BYTES,
  WS_MAX_STREAMS,
  type WsLaneKind,
} from './ws-frames.ts';
import type { WsCase } from './ws-lane.ts';
import { subscribeFaults } from './ws-subscribe-faults.ts';

const badStreamValue = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    5,
    '',
    'st_',
    'st_short',
    `st_${'a'.repeat(65)}`,
    'sub_aaaaaaaaaaaaaaaaaaaaaa',
    [],
    {},
  ),
  fc.string({ maxLength: 30 }).filter((id) => !/^st_[A-Za-z0-9_-]{16,64}$/.test(id)),
);

export function wsCase(fixtures: Fixtures, lane: WsLaneKind): fc.Arbitrary<WsCase> {
  const ownedIndex = fc.integer({ min: 0, max: fixtures.owned.length - 1 });
  const owned = (index: number) => ownedOf(fixtures, index);
  const auth = (index: number) => authOf(fixtures, lane, index);

  const garbage: fc.Arbitrary<WsCase> = fc.oneof(
    brokenJson.map((body) => ({
      label: 'not a JSON object',
      sends: [body],
      expect: [error(['invalid_frame'])],
    })),
    badUtf8.map((bytes) => ({
      label: 'binary, not UTF-8',
      sends: [{ binary: bytes }],
      expect: [error(['invalid_frame'])],
    })),
    fc.integer({ min: WS_MAX_FRAME_BYTES + 1, max: 64_000 }).map((size) => ({
      label: `a frame of ${size} bytes`,
      sends: [text({ type: 'subscribe', stream: owned(0).id, pad: 'x'.repeat(size) })],
      expect: [error(['payload_too_large'])],
    })),
    fc
      .tuple(hostileJson, fc.option(ownedIndex, { nil: undefined }))
      .filter(
        ([type]) =>
          !['subscribe', 'ack', 'resend', 'unsubscribe', 'cancel'].includes(type as string),
      )
      .map(([type, index]) => ({
        label: `type ${JSON.stringify(type)?.slice(0, 30)}`,
        sends: [text({ type, ...(index === undefined ? {} : { stream: owned(index).id }) })],
        expect: [error(['invalid_frame'], index === undefined ? undefined : owned(index).id)],
      })),
    fc.constantFrom('subscribe', 'ack', 'resend', 'unsubscribe', 'cancel').chain((type) =>
      badStreamValue.map((stream) => ({
        label: `${type} with stream ${JSON.stringify(stream)?.slice(0, 30)}`,
        sends: [text({ type, stream, from: 0, offset: 0, to: 1 })],
        expect: [error(['invalid_stream_id'])],
      })),
    ),
  );

  const subscribe: fc.Arbitrary<WsCase> = fc
    .record({
      index: ownedIndex,
      from: fc.option(fc.nat(), { nil: undefined }),
      window: fc.option(fc.integer({ min: 1, max: 65_536 }), { nil: undefined }),
      chunking: fc.option(
        fc.oneof(
          fc.constantFrom('token', 'adaptive'),
          fc.record({
            maxItems: fc.integer({ min: 1, max: 4_096 }),
            maxDelayMs: fc.integer({ min: 0, max: 20 }),
          }),
        ),
        { nil: undefined },
      ),
      binary: fc.boolean(),
      extra: fc.dictionary(
        fc
          .string({ maxLength: 10 })
          .filter(
            (key) =>
              ![
                'type',
                'stream',
                'from',
                'epoch',
                'subscription',
                'window',
                'chunking',
                'token',
              ].includes(key),
          ),
        hostileJson,
        { maxKeys: 3 },
      ),
    })
    .map(({ index, from, window, chunking, binary, extra }) => {
      const stream = owned(index);
      const start = from === undefined ? undefined : from % (stream.length + 1);
      const frame = {
        ...extra,
        type: 'subscribe',
        stream: stream.id,
        ...auth(index),
        ...(start === undefined ? {} : { from: start }),
        ...(window === undefined ? {} : { window }),
        ...(chunking === undefined ? {} : { chunking }),
      };
      const body = text(frame);
      return {
        label: `subscribe (valid${binary ? ', binary' : ''})`,
        sends: [binary ? { binary: Buffer.from(body) } : body],
        expect: [{ stream: stream.id, codes: [] as ErrorCode[], subscribed: true }],
        after: [text({ type: 'unsubscribe', stream: stream.id })],
      };
    });

  const subscribeFault = subscribeFaults(fixtures, lane);

  const others: fc.Arbitrary<WsCase> = fc
    .tuple(ownedIndex, streamTail)
    .chain(([index, unknown]) => {
      const stream = owned(index);
      return fc.oneof(
        fc.nat().map(
          (offset): WsCase => ({
            label: 'ack, not subscribed',
            sends: [text({ type: 'ack', stream: unknown, offset })],
            expect: [error(['not_subscribed'], unknown)],
          }),
        ),
        fc.constantFrom<unknown>(-1, 1.5, '1', null, undefined, 2 ** 53).map(
          (offset): WsCase => ({
            label: `ack offset ${JSON.stringify(offset)}`,
            sends: [text({ type: 'ack', stream: unknown, offset })],
            expect: [error(['invalid_offset'], unknown)],
          }),
        ),
        fc.constant<WsCase>({
          label: 'resend of a stream never subscribed',
          sends: [text({ type: 'resend', stream: unknown, from: 0, to: 1 })],
          expect: [error(['unauthorized'], unknown)],
        }),
        fc
          .constantFrom<object>(
            { from: -1, to: 1 },
            { from: 0, to: 0 },
            { from: 2, to: 1 },
            { from: 0 },
            { to: 1 },
            { from: '0', to: 1 },
          )
          .map(
            (range): WsCase => ({
              label: `resend ${JSON.stringify(range)}`,
              sends: [text({ type: 'resend', stream: stream.id, ...range })],
              expect: [error(['invalid_offset'], stream.id)],
            }),
          ),
        fc
          .constantFrom<object>({}, { from: 0, to: 1, block: 0 }, { block: -1 }, { block: 'x' })
          .map(
            (shape): WsCase => ({
              label: `resend ${JSON.stringify(shape)}`,
              sends: [text({ type: 'resend', stream: stream.id, ...shape })],
              expect: [error(['invalid_frame'], stream.id)],
            }),
          ),
        fc.constant<WsCase>({
          label: 'unsubscribe, not subscribed',
          sends: [text({ type: 'unsubscribe', stream: unknown })],
          expect: [],
        }),
        fc.constant<WsCase>({
          label: "cancel another key's stream",
          sends: [text({ type: 'cancel', stream: fixtures.foreign.id })],
          expect: [error([lane === 'key' ? 'forbidden' : 'unauthorized'], fixtures.foreign.id)],
        }),
        fc.constant<WsCase>({
          label: 'cancel an unknown stream',
          sends: [text({ type: 'cancel', stream: unknown })],
          expect: [error([lane === 'key' ? 'stream_not_found' : 'unauthorized'], unknown)],
        }),
        fc.constant<WsCase>(
          lane === 'key'
            ? {
                label: 'cancel an own (ended) stream',
                sends: [text({ type: 'cancel', stream: stream.id })],
                expect: [],
              }
            : {
                label: 'cancel without a key',
                sends: [text({ type: 'cancel', stream: stream.id })],
                expect: [error(['unauthorized'], stream.id)],
              },
        ),
      );
    });

  const sequences: fc.Arbitrary<WsCase> = fc.oneof(
    // Read a stream, then resend parts of it, ack beyond what was sent, subscribe again.
    fc
      .tuple(
        ownedIndex,
        fc.nat(),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
      )
      .map(([index, from, span, beyond]): WsCase => {
        const stream = owned(index);
        const start = from % stream.length;
        return {
          label: 'subscribe (window 1, subscription), ack beyond, subscribe again, resend',
          sends: [
            text({
              type: 'subscribe',
              stream: stream.id,
              window: 1,
              ...auth(index),
              ...(index === 0 ? { subscription: fixtures.subscription } : {}),
            }),
            text({ type: 'ack', stream: stream.id, offset: stream.length + beyond }),
            text({ type: 'subscribe', stream: stream.id, ...auth(index) }),
          ],
          expect: [
            { stream: stream.id, codes: [] as ErrorCode[], subscribed: true },
            { stream: stream.id, codes: ['already_subscribed'], subscribed: true },
            // Section 5: on a subscription, an ack beyond the stream's length is refused durably.
            ...(index === 0 ? [error(['offset_out_of_range'], stream.id)] : []),
          ],
          after: [
            text({
              type: 'resend',
              stream: stream.id,
              from: start,
              to: start + Math.min(span, 10_000),
            }),
            text({ type: 'resend', stream: stream.id, block: index % 2 }),
            text({ type: 'unsubscribe', stream: stream.id }),
          ],
        };
      }),
    // A storm: more subscribes than the socket may hold at once.
    fc.array(ownedIndex, { minLength: 2, maxLength: WS_MAX_STREAMS + 4 }).map((indexes): WsCase => {
      const unique = [...new Set(indexes)];
      return {
        label: `a storm of ${unique.length} subscribes`,
        sends: unique.map((index) =>
          text({ type: 'subscribe', stream: owned(index).id, ...auth(index) }),
        ),
        expect: unique.map((index) => ({
          stream: owned(index).id,
          codes: ['too_many_subscriptions'] as ErrorCode[],
          subscribed: true,
        })),
        after: unique.map((index) => text({ type: 'unsubscribe', stream: owned(index).id })),
      };
    }),
  );

  return fc
    .oneof(
      { weight: 3, arbitrary: garbage },
      { weight: 2, arbitrary: subscribe },
      { weight: 4, arbitrary: subscribeFault },
      { weight: 4, arbitrary: others },
      { weight: 1, arbitrary: sequences },
    )
    .map(sized);
}

/** A frame over `SPOOL_WS_MAX_FRAME_BYTES` is `payload_too_large` before it is read: no stream. */
function sized(fuzz: WsCase): WsCase {
  const bytes = (frame: WsCase['sends'][number]) =>
    typeof frame === 'string' ? Buffer.byteLength(frame) : frame.binary.length;
  if (fuzz.sends.length !== 1 || bytes(fuzz.sends[0] as string) <= WS_MAX_FRAME_BYTES) return fuzz;
  return { ...fuzz, label: `${fuzz.label} (too large)`, expect: [error(['payload_too_large'])] };
}
