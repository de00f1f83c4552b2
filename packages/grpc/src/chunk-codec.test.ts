import { type Chunk, chunkItems, type Item, type NewItem } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { fromGrpcChunk, loadTokenStreamProto, toGrpcChunk } from './index.ts';

const items: NewItem[] = [
  { type: 'block_start', block: 0, kind: 'reasoning' },
  { type: 'token', block: 0, text: 'Hm' },
  { type: 'block_end', block: 0 },
  { type: 'block_start', block: 1, kind: 'tool_call', tool: { id: 'call_1', name: 'f' } },
  { type: 'token', block: 1, text: '{"a":1}' },
  { type: 'block_end', block: 1 },
  { type: 'usage', prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  { type: 'error', code: 'upstream_error', message: 'The model failed.' },
  { type: 'end', finish_reason: 'error' },
];

describe('chunk codec', () => {
  it('carries every kind of chunk through the wire format unchanged', () => {
    const read = loadTokenStreamProto().spool.v1.TokenStream.service.Read;
    const chunks: Chunk[] = chunkItems(
      items.map((item, offset) => ({ ...item, offset }) as Item),
      64,
    );
    for (const chunk of chunks) {
      const wire = read.responseSerialize({ chunk: toGrpcChunk('st_x', chunk) });
      const decoded = read.responseDeserialize(wire).chunk;
      expect(decoded && fromGrpcChunk(decoded)).toEqual(chunk);
    }
  });
});
