/**
 * A reader through the SDK (`@spool/client`) that moves to another gateway every few chunks,
 * recording what the application is handed.
 */
import { SpoolClient } from '@spool/client';
import { StreamRecord } from './stream-record.ts';

export interface SdkReaderOptions {
  streamId: string;
  gateways: string[];
  /** Index of the first gateway. */
  start: number;
  transport: 'ws' | 'sse';
  /** `switchGateway()` after this many chunks (drawn anew after each switch). */
  hopEvery: [min: number, max: number];
  signal: AbortSignal;
  /** The record to fill (a caller watching progress passes its own); a new one by default. */
  record?: StreamRecord;
}

export async function readWithSdk(options: SdkReaderOptions): Promise<StreamRecord> {
  const { gateways, start } = options;
  const record = options.record ?? new StreamRecord(options.streamId);
  const client = new SpoolClient({
    baseUrl: [...gateways.slice(start), ...gateways.slice(0, start)],
    transport: options.transport,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: 100 },
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      record.note(`fetch ${url.replace(/\?.*/, '')}`);
      try {
        const response = await fetch(input, init);
        record.note(`answer ${response.status}`);
        return response;
      } catch (error) {
        record.note(
          `fetch failed: ${error instanceof Error ? (error.cause ?? error.message) : error}`,
        );
        throw error;
      }
    },
  });
  const stream = client.stream(options.streamId, { highWaterMark: 64, signal: options.signal });
  stream.on('state', (state) =>
    record.note(
      `${state.connected ? 'connected' : 'disconnected'} ${state.gateway ?? ''} ` +
        `(${state.reconnects} reconnects) at ${record.next}`,
    ),
  );
  const draw = () => {
    const [min, max] = options.hopEvery;
    return min + Math.floor(Math.random() * (max - min + 1));
  };
  let untilHop = draw();
  try {
    for await (const chunk of stream) {
      record.add(chunk);
      if (--untilHop === 0 && !record.ended) {
        stream.switchGateway();
        untilHop = draw();
      }
    }
  } finally {
    client.close();
  }
  return record;
}
