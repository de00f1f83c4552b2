/**
 * The resume contract, transport-agnostic: each row one resume situation and its one expected
 * outcome (items by offset, or the exact error code). The SSE suite runs it now; the WebSocket
 * suite runs the same rows.
 */
import type { ErrorCode } from '@spool/protocol';
import type { TestRedis } from '@spool/testing';
import { connectRedis, newStreamId, RedisTokenLog } from '@spool/token-log';
import { answer, storedStream } from './support.ts';

/** 20 items: block_start, 17 tokens, block_end, end — stored in entries of 5. */
export const STREAM_LENGTH = 20;
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, index) => from + index);

export interface ResumeSetup {
  streamId: string;
  /** Something to do once the client is connected (a queued stream starts producing). */
  afterConnect?: () => Promise<void>;
}

export interface ResumeCase {
  name: string;
  setup: (logs: { log: RedisTokenLog; shortLived: RedisTokenLog }) => Promise<ResumeSetup>;
  /**
   * The resume point as the transport carries it: an offset, or a raw `Last-Event-ID` text; with
   * `epoch`, the epoch of the items the client holds (`STREAM_EPOCH`: the stream's own).
   */
  resume: ({ from: number } | { lastEventId: string }) & { epoch?: string };
  expect: { offsets: number[] } | { nothingLeft: true } | { error: ErrorCode; status: number };
}

/** In a row's `resume.epoch`: the epoch the stream gave its readers. */
export const STREAM_EPOCH = '<stream>';

/** The epoch a row's client sends, if any. */
export async function rowEpoch(
  row: ResumeCase,
  log: RedisTokenLog,
  streamId: string,
): Promise<string | undefined> {
  const { epoch } = row.resume;
  return epoch === STREAM_EPOCH ? (await log.meta(streamId)).epoch : epoch;
}

export const RESUME_CASES: ResumeCase[] = [
  {
    name: 'from 0',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: 0 },
    expect: { offsets: range(0, 20) },
  },
  {
    name: 'from the middle',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { lastEventId: '10' },
    expect: { offsets: range(10, 20) },
  },
  {
    name: 'inside a batched entry',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17), 5) }),
    resume: { from: 7 },
    expect: { offsets: range(7, 20) },
  },
  {
    name: 'from the last item of a finished stream (its end)',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { lastEventId: String(STREAM_LENGTH - 1) },
    expect: { offsets: [STREAM_LENGTH - 1] },
  },
  {
    name: 'from exactly the end of a finished stream',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: STREAM_LENGTH },
    expect: { nothingLeft: true },
  },
  {
    name: 'beyond the end',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: STREAM_LENGTH + 1 },
    expect: { error: 'offset_out_of_range', status: 400 },
  },
  {
    name: 'on a stream still queued with no items',
    setup: async ({ log }) => {
      const streamId = newStreamId();
      await log.create({ id: streamId });
      return {
        streamId,
        afterConnect: async () => {
          await log.append({ streamId, attempt: 1, at: 0, items: answer(17) });
        },
      };
    },
    resume: { from: 0 },
    expect: { offsets: range(0, 20) },
  },
  {
    name: 'on an expired stream',
    setup: async ({ shortLived }) => {
      const streamId = await storedStream(shortLived, answer(3));
      await new Promise((resolve) => setTimeout(resolve, 250));
      return { streamId };
    },
    resume: { from: 0 },
    expect: { error: 'stream_expired', status: 410 },
  },
  {
    name: 'from an offset whose items were trimmed',
    setup: async ({ log }) => {
      const streamId = await storedStream(log, answer(17), 5);
      await log.trim(streamId, 10);
      return { streamId };
    },
    resume: { from: 3 },
    expect: { error: 'offset_expired', status: 410 },
  },
  {
    name: 'in the epoch of the stream',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { lastEventId: '10', epoch: STREAM_EPOCH },
    expect: { offsets: range(10, 20) },
  },
  {
    name: 'by offset in the epoch of the stream',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: 12, epoch: STREAM_EPOCH },
    expect: { offsets: range(12, 20) },
  },
  {
    // An id given out for items Redis has since lost (they were not written again yet).
    name: 'beyond the end in the epoch of the stream',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: STREAM_LENGTH + 3, epoch: STREAM_EPOCH },
    expect: { error: 'stream_reset', status: 409 },
  },
  {
    // An epoch the stream does not know: a version of the log lost with its writes.
    name: 'in an epoch the stream never had',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { lastEventId: '10', epoch: '0bad0bad' },
    expect: { error: 'stream_reset', status: 409 },
  },
  {
    name: 'at 0 in an epoch the stream never had',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: 0, epoch: '0bad0bad' },
    expect: { offsets: range(0, 20) },
  },
  {
    name: 'with a malformed Last-Event-ID',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { lastEventId: '12abc' },
    expect: { error: 'invalid_offset', status: 400 },
  },
  {
    name: 'with a malformed epoch',
    setup: async ({ log }) => ({ streamId: await storedStream(log, answer(17)) }),
    resume: { from: 12, epoch: 'not an epoch!' },
    expect: { error: 'invalid_offset', status: 400 },
  },
];

/** The log the "expired stream" row appends with: retention 150 ms. `close` when done. */
export function shortLivedLog(redis: TestRedis): { log: RedisTokenLog; close(): Promise<void> } {
  const client = connectRedis(redis.url);
  const log = new RedisTokenLog({ redis: client, keyPrefix: redis.keyPrefix, retentionMs: 150 });
  return {
    log,
    close: async () => {
      await log.close();
      client.disconnect();
    },
  };
}
