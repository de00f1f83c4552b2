import { SpoolClient, type SpoolStream } from '@spool/client';
import { describe, expect, it } from 'vitest';
import { LINGER_MS, SharedStreams } from './shared-streams.ts';

const ID = 'st_AAAAAAAAAAAAAAAAAAAAAA';

/** A client whose gateway never answers, counting the streams it opens. */
function countingClient(): { client: SpoolClient; opened: SpoolStream[] } {
  const client = new SpoolClient({
    baseUrl: 'http://127.0.0.1:1',
    transport: 'sse',
    reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
  });
  const opened: SpoolStream[] = [];
  const stream = client.stream.bind(client);
  client.stream = (id, options) => {
    const opening = stream(id, options);
    opened.push(opening);
    return opening;
  };
  return { client, opened };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('shared streams', () => {
  it('opens one stream for every component that shows an id, and keeps it through a remount', () => {
    const { client, opened } = countingClient();
    const streams = new SharedStreams(client);
    // StrictMode: mount, unmount, mount; then a second component.
    streams.acquire(ID);
    streams.release(ID);
    streams.acquire(ID);
    streams.acquire(ID);
    expect(opened).toHaveLength(1);
    expect(streams.peek(ID)).toBe(streams.acquire(ID));
    client.close();
  });

  it('closes the stream once nobody shows it for LINGER_MS', async () => {
    const { client, opened } = countingClient();
    const streams = new SharedStreams(client);
    const shared = streams.acquire(ID);
    streams.release(ID);
    await sleep(LINGER_MS + 100);
    expect(shared.open).toBe(false);
    streams.acquire(ID);
    expect(opened).toHaveLength(2);
    client.close();
  });

  it('fails with the SDK code when no gateway answers, and reads on after resume()', async () => {
    const { client, opened } = countingClient();
    const shared = new SharedStreams(client).acquire(ID);
    const failed = new Promise<void>((resolve) => {
      shared.listen(() => {
        if (shared.view.status === 'failed') resolve();
      });
    });
    await failed;
    expect(shared.view.error?.code).toBe('unreachable');
    shared.resume();
    expect(shared.view.status).toBe('connecting');
    expect(shared.view.error).toBeUndefined();
    expect(opened).toHaveLength(2);
    client.close();
  });
});
