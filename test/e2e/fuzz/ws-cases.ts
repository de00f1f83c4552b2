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
import { type Fixtures, FUZZ_KEY, OTHER_KEY, signToken } from './fixtures.ts';
import { badUtf8, brokenJson, hostileJson } from './hostile.ts';
import type { WsCase, WsExpect } from './ws-lane.ts';

export type WsLaneKind = 'key' | 'none';

/** `SPOOL_WS_MAX_FRAME_BYTES` of the fuzzed gateway (the default). */
export const WS_MAX_FRAME_BYTES = 16_384;
/** `SPOOL_WS_MAX_STREAMS` of the fuzzed gateway. */
export const WS_MAX_STREAMS = 8;

const text = (frame: unknown) => JSON.stringify(frame);
const error = (codes: ErrorCode[], stream?: string): WsExpect => ({ stream, codes });
const streamTail = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((tail) => `st_${tail}`);

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
  const owned = (index: number) =>
    fixtures.owned[index] ?? { id: '', token: '', length: 0, epoch: '' };
  /** The token field a subscribe needs on this lane (none: the socket's key). */
  const auth = (index: number) => (lane === 'key' ? {} : { token: owned(index).token });

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

  // One arbitrary per stream, made once: building them signs tokens.
  const faultsOf = fixtures.owned.map((_, index) => {
    const stream = owned(index);
    const base = { type: 'subscribe', stream: stream.id, ...auth(index) };
    const other = owned((index + 1) % fixtures.owned.length);
    const fault = (
      label: string,
      frame: object,
      codes: ErrorCode[],
      named = stream.id,
    ): WsCase => ({
      label: `subscribe: ${label}`,
      sends: [text({ ...base, ...frame })],
      expect: [error(codes, named)],
      after: [text({ type: 'unsubscribe', stream: named })],
    });
    return fc.oneof(
      fc
        .constantFrom<unknown>(-1, 1.5, '1', null, 2 ** 53, [], {})
        .map((from) => fault(`from ${JSON.stringify(from)}`, { from }, ['invalid_offset'])),
      fc
        .constantFrom<unknown>('', 'a b', 5, 'x'.repeat(65), null)
        .map((epoch) =>
          fault(`epoch ${JSON.stringify(epoch)}`, { from: 1, epoch }, ['invalid_offset']),
        ),
      fc.constant(
        fault('epoch with subscription', { subscription: fixtures.subscription, epoch: 'abc' }, [
          'invalid_frame',
        ]),
      ),
      fc.constant(
        fault('from and subscription', { subscription: fixtures.subscription, from: 0 }, [
          'invalid_frame',
        ]),
      ),
      fc
        .constantFrom<unknown>('', 'sub_', 'sub_x', 5, null, stream.id)
        .map((subscription) =>
          fault(`subscription ${JSON.stringify(subscription)}`, { subscription }, [
            'invalid_subscription_id',
          ]),
        ),
      fc
        .constantFrom<unknown>(0, 65_537, 1.5, '1', null, -1)
        .map((window) => fault(`window ${JSON.stringify(window)}`, { window }, ['invalid_frame'])),
      fc
        .constantFrom<unknown>(
          'x',
          5,
          null,
          {},
          { maxItems: 0, maxDelayMs: 0 },
          { maxItems: 1 },
          { maxItems: 4_097, maxDelayMs: 0 },
          { maxItems: 1, maxDelayMs: 10_001 },
        )
        .map((chunking) =>
          fault(`chunking ${JSON.stringify(chunking)}`, { chunking }, ['invalid_frame']),
        ),
      fc
        .constantFrom<unknown>(5, '', 'x'.repeat(1_025), null, [])
        .map((token) =>
          fault(`token ${JSON.stringify(token)?.slice(0, 20)}`, { token }, ['invalid_frame']),
        ),
      fc
        .constantFrom(
          'not-a-key-0123456789abcdef',
          'rt1.x.y',
          signToken(stream.id, Date.now() - 60_000),
          `${stream.token.slice(0, -2)}${stream.token.endsWith('AA') ? 'BB' : 'AA'}`,
        )
        .map((token) => fault('a bad token', { token }, ['unauthorized'])),
      fc.constant(fault("another stream's token", { token: other.token }, ['forbidden'])),
      fc.constant(fault('another key', { token: OTHER_KEY }, ['forbidden'])),
      fc.constant(
        fault(
          "another key's stream",
          { stream: fixtures.foreign.id, token: FUZZ_KEY },
          ['forbidden'],
          fixtures.foreign.id,
        ),
      ),
      streamTail.map((unknown) =>
        fault(
          'an unknown stream',
          { stream: unknown, token: FUZZ_KEY },
          ['stream_not_found'],
          unknown,
        ),
      ),
      fc
        .integer({ min: 1, max: 2 ** 40 })
        .map((beyond) =>
          fault('from beyond the end', { from: stream.length + beyond }, ['offset_out_of_range']),
        ),
      fc
        .tuple(fc.stringMatching(/^[0-9A-Za-z_-]{1,64}$/), fc.nat())
        .filter(([epoch]) => epoch !== stream.epoch)
        .map(([epoch, pick]) =>
          fault('an epoch the stream never had', { from: 1 + (pick % stream.length), epoch }, [
            'stream_reset',
          ]),
        ),
    );
  });
  const subscribeFault: fc.Arbitrary<WsCase> = ownedIndex.chain(
    (index) => faultsOf[index] as fc.Arbitrary<WsCase>,
  );

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
