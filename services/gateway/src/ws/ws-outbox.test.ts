import type { Chunk } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { WsOutbox } from './ws-outbox.ts';

/** Just what the outbox uses of a ws socket: state, buffered bytes, send. */
function fakeSocket() {
  const sent: string[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send(text: string, done?: () => void) {
      sent.push(text);
      done?.();
    },
  };
  return { socket: socket as unknown as WebSocket, sent };
}

const tokens = (from: number, to: number, block = 0): Chunk => ({
  kind: 'tokens',
  from,
  to,
  block,
  text: `${from}-${to};`,
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WsOutbox', () => {
  it('sends what is due in one turn together, joining consecutive tokens of a stream', async () => {
    const { socket, sent } = fakeSocket();
    const outbox = new WsOutbox({ socket, highWaterBytes: 1 << 20, onBytes: () => {} });
    outbox.sendText('subscribed a', 'st_a');
    outbox.sendChunk('st_a', tokens(0, 2), 64);
    outbox.sendChunk('st_b', tokens(5, 6), 64);
    outbox.sendChunk('st_a', tokens(2, 3), 64);
    outbox.sendChunk('st_a', tokens(3, 4, 1), 64);
    expect(sent).toEqual([]);
    await turn();
    expect(sent.map((frame) => (frame.startsWith('{') ? JSON.parse(frame) : frame))).toEqual([
      'subscribed a',
      { type: 'tokens', stream: 'st_a', from: 0, to: 3, block: 0, text: '0-2;2-3;' },
      { type: 'tokens', stream: 'st_b', from: 5, to: 6, block: 0, text: '5-6;' },
      { type: 'tokens', stream: 'st_a', from: 3, to: 4, block: 1, text: '3-4;' },
    ]);
  });

  it('joins no further than the chunk limit, and nothing across another frame of the stream', async () => {
    const { socket, sent } = fakeSocket();
    const outbox = new WsOutbox({ socket, highWaterBytes: 1 << 20, onBytes: () => {} });
    outbox.sendChunk('st_a', tokens(0, 1), 2);
    outbox.sendChunk('st_a', tokens(1, 2), 2);
    outbox.sendChunk('st_a', tokens(2, 3), 2);
    outbox.sendText('resent', 'st_a');
    outbox.sendChunk('st_a', tokens(3, 4), 2);
    await turn();
    expect(sent.map((frame) => (frame.startsWith('{') ? JSON.parse(frame).from : frame))).toEqual([
      0,
      2,
      'resent',
      3,
    ]);
  });

  it('reports full over the high-water mark and wakes waiters once below half of it', async () => {
    const { socket } = fakeSocket();
    const outbox = new WsOutbox({ socket, highWaterBytes: 100, onBytes: () => {} });
    (socket as { bufferedAmount: number }).bufferedAmount = 150;
    expect(outbox.sendChunk('st_a', tokens(0, 1), 64)).toBe(false);
    let woken = false;
    void outbox.drained(new AbortController().signal).then(() => {
      woken = true;
    });
    (socket as { bufferedAmount: number }).bufferedAmount = 40;
    await turn();
    await turn();
    expect(woken).toBe(true);
  });
});
