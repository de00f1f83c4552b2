/**
 * Where an arriving chunk fits, given the offset the stream expects next: the rule that makes
 * every offset reach the application exactly once, in order, across reconnects and gateways.
 *
 * A chunk wholly below the expected offset is a repeat (a resume, a resend): dropped. A chunk
 * starting exactly there is the next one. A tokens chunk that straddles it cannot be split
 * (its token boundaries are gone), and one that starts beyond it leaves a gap: both break the
 * protocol's promise, so the connection is dropped and the stream resumes.
 */
import { type Chunk, chunkEnd, chunkStart } from '@spool/protocol';

export type Placement = 'next' | 'repeat' | 'overlap' | 'gap';

export function placeChunk(chunk: Chunk, expected: number): Placement {
  const start = chunkStart(chunk);
  if (chunkEnd(chunk) <= expected) return 'repeat';
  if (start === expected) return 'next';
  return start < expected ? 'overlap' : 'gap';
}
