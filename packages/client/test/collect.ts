/** Reading a whole stream in tests, and what the application saw. */
import { type Chunk, chunkEnd, chunkStart, type SpoolStream } from '../src/index.ts';

export interface Collected {
  chunks: Chunk[];
  /** Every offset handed to the application, in the order it was handed. */
  offsets: number[];
  text: string;
  /** The largest `buffered` seen while reading. */
  maxBuffered: number;
  /** The largest chunk seen, in items. */
  maxChunk: number;
}

export async function collect(
  stream: SpoolStream,
  options: { each?: (chunk: Chunk, index: number) => Promise<void> | void } = {},
): Promise<Collected> {
  const collected: Collected = { chunks: [], offsets: [], text: '', maxBuffered: 0, maxChunk: 0 };
  for await (const chunk of stream) {
    record(collected, chunk);
    collected.maxBuffered = Math.max(collected.maxBuffered, stream.buffered);
    await options.each?.(chunk, collected.chunks.length - 1);
  }
  return collected;
}

export function record(collected: Collected, chunk: Chunk): void {
  collected.chunks.push(chunk);
  for (let offset = chunkStart(chunk); offset < chunkEnd(chunk); offset += 1) {
    collected.offsets.push(offset);
  }
  collected.maxChunk = Math.max(collected.maxChunk, chunkEnd(chunk) - chunkStart(chunk));
  if (chunk.kind === 'tokens') collected.text += chunk.text;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}
