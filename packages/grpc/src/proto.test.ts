import { describe, expect, it } from 'vitest';
import { loadTokenStreamProto } from './index.ts';

describe('spool.v1.TokenStream', () => {
  it('loads from the .proto with its three methods and round-trips a chunk frame', () => {
    const proto = loadTokenStreamProto();
    const service = proto.spool.v1.TokenStream.service;
    expect(Object.keys(service)).toEqual(['Create', 'Read', 'Connect']);
    expect([service.Read.requestStream, service.Read.responseStream]).toEqual([false, true]);
    expect([service.Connect.requestStream, service.Connect.responseStream]).toEqual([true, true]);
    const frame = { chunk: { stream: 'st_x', from: 3, to: 5, tokens: { block: 1, text: 'hi' } } };
    const decoded = service.Read.responseDeserialize(service.Read.responseSerialize(frame));
    expect(decoded).toMatchObject({ frame: 'chunk', chunk: { ...frame.chunk, body: 'tokens' } });
  });
});
