import type { Chunk } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { SharedEncodings } from './shared-encodings.ts';

const tokens = (from: number, to: number): Chunk => ({
  kind: 'tokens',
  from,
  to,
  block: 0,
  text: 'x'.repeat(to - from),
});

function counting() {
  let calls = 0;
  const encode = (chunk: Chunk) => {
    calls += 1;
    return JSON.stringify(chunk);
  };
  return { encode, calls: () => calls };
}

describe('SharedEncodings', () => {
  it('encodes a chunk once for all the readers of a stream', () => {
    const encodings = new SharedEncodings();
    const leaveA = encodings.join('st_a');
    encodings.join('st_a');
    const { encode, calls } = counting();
    const first = encodings.encode('st_a', 'sse', tokens(0, 3), encode);
    expect(encodings.encode('st_a', 'sse', tokens(0, 3), encode)).toBe(first);
    expect(calls()).toBe(1);
    encodings.encode('st_a', 'ws', tokens(0, 3), encode);
    expect(calls()).toBe(2);
    leaveA();
    leaveA();
    encodings.encode('st_a', 'sse', tokens(0, 3), encode);
    expect(calls()).toBe(3);
  });

  it('keeps nothing for a stream with one reader or none', () => {
    const encodings = new SharedEncodings();
    const { encode, calls } = counting();
    encodings.encode('st_b', 'sse', tokens(0, 1), encode);
    encodings.join('st_b');
    encodings.encode('st_b', 'sse', tokens(0, 1), encode);
    encodings.encode('st_b', 'sse', tokens(0, 1), encode);
    expect(calls()).toBe(3);
  });

  it('keeps a bounded number of encodings per stream', () => {
    const encodings = new SharedEncodings();
    encodings.join('st_c');
    encodings.join('st_c');
    const { encode, calls } = counting();
    for (let offset = 0; offset < 200; offset++) {
      encodings.encode('st_c', 'sse', tokens(offset, offset + 1), encode);
    }
    encodings.encode('st_c', 'sse', tokens(199, 200), encode);
    encodings.encode('st_c', 'sse', tokens(0, 1), encode);
    expect(calls()).toBe(201);
  });
});
