/**
 * A raw SSE reader that hops between gateways: it reads a few chunks from one gateway, cuts the
 * connection and resumes on the next with `Last-Event-ID`, as a client behind a load balancer
 * without affinity would. A gateway that refuses or drops the connection is skipped for the next.
 */
import http from 'node:http';
import { createSseDecoder, EPOCH_HEADER, formatResumeId } from '@spool/protocol';
import { StreamRecord } from './stream-record.ts';

export interface HoppingReaderOptions {
  streamId: string;
  gateways: string[];
  /** Index of the first gateway. */
  start: number;
  /** A hop after this many chunks from one gateway (drawn anew for each connection). */
  hopEvery: [min: number, max: number];
  /** Gives up after this long. */
  signal: AbortSignal;
  /** The record to fill (a caller watching progress passes its own); a new one by default. */
  record?: StreamRecord;
}

export interface HoppingRead {
  record: StreamRecord;
  /** Connections opened (the first one included). */
  connections: number;
  /** Connections that failed or were cut by a gateway (not by a hop). */
  failures: number;
  /** Why the last failed connection failed, for diagnostics. */
  last: string;
}

const RETRY_DELAY_MS = 50;

export async function readHopping(options: HoppingReaderOptions): Promise<HoppingRead> {
  const record = options.record ?? new StreamRecord(options.streamId);
  const result: HoppingRead = { record, connections: 0, failures: 0, last: '' };
  let gateway = options.start;
  while (!record.ended) {
    if (options.signal.aborted) {
      throw new Error(
        `${options.streamId}: gave up at ${record.next} after ${result.connections} connections ` +
          `(${result.failures} failed; last: ${result.last}); ${record.violations.slice(-3).join('; ')}`,
      );
    }
    const [min, max] = options.hopEvery;
    const hopAfter = min + Math.floor(Math.random() * (max - min + 1));
    const url = options.gateways[gateway % options.gateways.length] ?? '';
    result.connections++;
    const outcome = await readFrom({ url, record, hopAfter, signal: options.signal });
    if (outcome.how === 'failed' && outcome.detail) result.last = `${outcome.detail} at ${url}`;
    if (outcome.how === 'failed') {
      result.failures++;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
    gateway++;
  }
  return result;
}

/** One connection: resolves when it ended the stream, hopped, or failed. */
function readFrom(input: {
  url: string;
  record: StreamRecord;
  hopAfter: number;
  signal: AbortSignal;
}): Promise<{ how: 'ended' | 'hopped' | 'failed'; detail?: string }> {
  const { record } = input;
  return new Promise((resolve) => {
    let chunks = 0;
    let settled = false;
    const finish = (how: 'ended' | 'hopped' | 'failed', detail?: string) => {
      if (settled) return;
      settled = true;
      record.note(`${how}${detail ? ` (${detail})` : ''} after ${chunks} chunks`);
      input.signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve({ how, detail });
    };
    const onAbort = () => finish('failed');
    const path = `${input.url}/v1/streams/${record.streamId}/events`;
    record.note(`connect ${input.url} at ${record.next}`);
    const request = http.get(
      path,
      // The id carries the epoch of what the reader holds, as the SDK's does: after a Redis
      // restart that lost nothing, it goes on; a plain offset would count as the first epoch's.
      { headers: { 'Last-Event-ID': formatResumeId(record.next, record.epoch) } },
      (response) => {
        record.note(`answer ${response.statusCode}`);
        if (response.statusCode !== 200) {
          response.resume();
          finish('failed');
          return;
        }
        const epoch = response.headers[EPOCH_HEADER.toLowerCase()];
        if (typeof epoch === 'string') record.epoch = epoch;
        const decoder = createSseDecoder((decoded) => {
          if (settled) return;
          if (!decoded.ok || decoded.value.kind === 'error') {
            finish('failed', decoded.ok ? 'error event' : 'undecodable event'); // e.g. `draining`: resume elsewhere.
            return;
          }
          record.add(decoded.value);
          chunks++;
          if (record.ended) finish('ended');
          else if (chunks >= input.hopAfter) finish('hopped');
        });
        response.setEncoding('utf8');
        response.on('data', (text: string) => decoder.feed(text));
        response.on('end', () => finish(record.ended ? 'ended' : 'failed'));
        response.on('error', (error) => finish('failed', error.message));
      },
    );
    request.on('error', (error) => finish('failed', error.message));
    input.signal.addEventListener('abort', onAbort, { once: true });
  });
}
