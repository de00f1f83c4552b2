/**
 * The distributed test's readers: half raw SSE hoppers, half the SDK (WebSocket and SSE), each
 * starting on its own gateway and moving between all of them.
 */
import { readHopping } from './hopping-reader.ts';
import { readWithSdk } from './sdk-reader.ts';
import { StreamRecord } from './stream-record.ts';

/** Which readers `startMixedReader` makes, by index. */
export const mixedReaderKinds = [
  { name: 'raw SSE', indexes: (index: number) => index % 2 === 0 },
  { name: 'SDK WebSocket', indexes: (index: number) => index % 4 === 1 },
  { name: 'SDK SSE', indexes: (index: number) => index % 4 === 3 },
];

export function startMixedReader(input: {
  id: string;
  index: number;
  urls: string[];
  signal: AbortSignal;
  /** Filled as chunks arrive, for a caller watching progress. */
  record?: StreamRecord;
}): Promise<StreamRecord> {
  const { id, index, urls, signal } = input;
  const record = input.record ?? new StreamRecord(id);
  const start = index % urls.length;
  if (index % 2 === 0) {
    return readHopping({
      streamId: id,
      gateways: urls,
      start,
      hopEvery: [75, 250],
      signal,
      record,
    }).then(() => record);
  }
  const transport = index % 4 === 1 ? 'ws' : 'sse';
  return readWithSdk({
    streamId: id,
    gateways: urls,
    start,
    transport,
    hopEvery: [75, 250],
    signal,
    record,
  });
}
