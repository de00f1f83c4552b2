/**
 * The well-behaved client of the fuzz run: the SDK (`@spool/client`) with its own API key,
 * creating streams and reading each to its end — alternately over WebSocket and SSE — for as
 * long as the fuzzing lasts. Each stream must come out exactly as the token log holds it.
 */
import { SpoolClient } from '@spool/client';
import { storedItems } from '@spool/testing';
import type { RedisTokenLog } from '@spool/token-log';
import { StreamRecord } from '../../support/stream-record.ts';
import { GOOD_KEY } from './fixtures.ts';

export interface GoodClientReport {
  streams: number;
  items: number;
  problems: string[];
}

/** Streams until `until` resolves, then finishes the stream in hand. */
export async function runGoodClient(options: {
  url: string;
  log: RedisTokenLog;
  until: Promise<unknown>;
}): Promise<GoodClientReport> {
  const report: GoodClientReport = { streams: 0, items: 0, problems: [] };
  let stop = false;
  void options.until.finally(() => {
    stop = true;
  });
  for (let round = 0; !stop || round === 0; round += 1) {
    const transport = round % 2 === 0 ? 'ws' : 'sse';
    const client = new SpoolClient({ baseUrl: options.url, apiKey: GOOD_KEY, transport });
    try {
      const created = await client.create({
        prompt: `Tell a long story, round ${round}.`,
        params: { max_tokens: 400, tokens_per_second: 200 },
      });
      const record = new StreamRecord(created.id);
      for await (const chunk of client.stream(created.id)) record.add(chunk);
      const items = await storedItems(options.log, created.id);
      report.problems.push(
        ...record.compareWith(items).map((problem) => `${transport}: ${problem}`),
      );
      report.streams += 1;
      report.items += record.next;
    } catch (error) {
      report.problems.push(`${transport}: ${String(error)}`);
    } finally {
      client.close();
    }
  }
  return report;
}
