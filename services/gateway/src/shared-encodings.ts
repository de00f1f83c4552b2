/**
 * A chunk encoded once per stream for all of its readers on this gateway (fan-out).
 *
 * Offsets are immutable, so the encoding of a chunk `[from, to)` of a stream in a given format
 * is the same for every reader that gets that chunk. Streams with one reader here skip the
 * cache entirely (it would cost a lookup and an entry per chunk for nothing); streams with
 * several keep their last `PER_STREAM` encodings, which is what readers in step with each other
 * (the common case: all at the live end) share.
 */
import { type Chunk, chunkEnd, chunkStart } from '@spool/protocol';

const PER_STREAM = 64;

interface StreamEncodings {
  readers: number;
  encoded: Map<string, string>;
}

export class SharedEncodings {
  readonly #streams = new Map<string, StreamEncodings>();

  /** A reader of `streamId` starts; the returned function says it stopped. */
  join(streamId: string): () => void {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = { readers: 0, encoded: new Map() };
      this.#streams.set(streamId, stream);
    }
    stream.readers += 1;
    const joined = stream;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.readers -= 1;
      if (joined.readers === 0) this.#streams.delete(streamId);
      else if (joined.readers === 1) joined.encoded.clear();
    };
  }

  /** `encode(chunk)`, shared with the other readers of the stream in the same `format`. */
  encode(streamId: string, format: string, chunk: Chunk, encode: (chunk: Chunk) => string): string {
    const stream = this.#streams.get(streamId);
    if (!stream || stream.readers < 2) return encode(chunk);
    const key = `${format}:${chunkStart(chunk)}:${chunkEnd(chunk)}`;
    let text = stream.encoded.get(key);
    if (text === undefined) {
      text = encode(chunk);
      stream.encoded.set(key, text);
      if (stream.encoded.size > PER_STREAM) {
        stream.encoded.delete(stream.encoded.keys().next().value as string);
      }
    }
    return text;
  }
}
