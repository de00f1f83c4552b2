/**
 * What the app's client sends, counted per stream, for the browser test to read
 * (`window.spoolCounts`): WebSocket `subscribe` frames and SSE `events` requests. A stream shown by
 * several components must cost one of them per connection, not one per component.
 */
export interface NetworkCounts {
  subscribes: Record<string, number>;
  eventsRequests: Record<string, number>;
}

declare global {
  interface Window {
    spoolCounts: NetworkCounts;
  }
}

export const counts: NetworkCounts = { subscribes: {}, eventsRequests: {} };
window.spoolCounts = counts;

function add(table: Record<string, number>, stream: string): void {
  table[stream] = (table[stream] ?? 0) + 1;
}

/** The browser's WebSocket, counting `subscribe` frames. */
export class CountingWebSocket extends WebSocket {
  override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (typeof data === 'string') {
      const frame = JSON.parse(data) as { type?: string; stream?: string };
      if (frame.type === 'subscribe' && frame.stream !== undefined)
        add(counts.subscribes, frame.stream);
    }
    super.send(data);
  }
}

/** The browser's fetch, counting requests for a stream's events. */
export const countingFetch: typeof fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const match = /\/v1\/streams\/(st_[A-Za-z0-9_-]+)\/events/.exec(url);
  if (match?.[1] !== undefined) add(counts.eventsRequests, match[1]);
  return fetch(input, init);
};
