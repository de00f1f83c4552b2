/**
 * `subscribe` frames with one bad field or credential (docs/protocol.md sections 5 and 12), each
 * with the error frame the docs give it: a bad `from`/`epoch` is `invalid_offset`, a bad
 * `subscription` `invalid_subscription_id`, other bad fields `invalid_frame`; a bad token
 * `unauthorized`, another stream's or key's `forbidden`; an unknown stream `stream_not_found`,
 * beyond the end `offset_out_of_range`, an epoch the stream never had `stream_reset`.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import { type Fixtures, FUZZ_KEY, OTHER_KEY, signToken } from './fixtures.ts';
import { authOf, error, ownedOf, streamTail, text, type WsLaneKind } from './ws-frames.ts';
import type { WsCase } from './ws-lane.ts';

export function subscribeFaults(fixtures: Fixtures, lane: WsLaneKind): fc.Arbitrary<WsCase> {
  const ownedIndex = fc.integer({ min: 0, max: fixtures.owned.length - 1 });
  const owned = (index: number) => ownedOf(fixtures, index);
  const auth = (index: number) => authOf(fixtures, lane, index);
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
  return ownedIndex.chain((index) => faultsOf[index] as fc.Arbitrary<WsCase>);
}
