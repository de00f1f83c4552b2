import { describe, expect, it } from 'vitest';
import { mediaTypeOf, parseAppendHeaders, parseCreateHeaders } from './ds-headers.ts';

describe('create headers', () => {
  it('defaults the content type to bytes', () => {
    expect(parseCreateHeaders({})).toEqual({
      ok: true,
      value: { contentType: 'application/octet-stream', closed: false, forkSubOffset: 0 },
    });
  });

  it.each([
    [{ 'stream-ttl': '60', 'stream-expires-at': '2030-01-01T00:00:00Z' }, 'not both'],
    [{ 'stream-ttl': '+1' }, 'Stream-TTL'],
    [{ 'stream-ttl': '01' }, 'Stream-TTL'],
    [{ 'stream-ttl': '1e3' }, 'Stream-TTL'],
    [{ 'stream-expires-at': 'tomorrow' }, 'RFC 3339'],
    [{ 'stream-fork-offset': 'x', 'stream-forked-from': '/v1/stream/a' }, 'Fork-Offset'],
    [{ 'stream-fork-sub-offset': '1' }, 'needs Stream-Forked-From'],
    [{ 'stream-fork-sub-offset': '1', 'stream-forked-from': 'a' }, 'needs Stream-Fork-Offset'],
    [
      { 'stream-fork-sub-offset': '05', 'stream-forked-from': 'a', 'stream-fork-offset': '0_0' },
      'whole number',
    ],
  ])('refuses %o', (headers, reason) => {
    const parsed = parseCreateHeaders(headers);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(reason);
  });

  it('leaves a fork’s content type to its source', () => {
    const parsed = parseCreateHeaders({ 'stream-forked-from': '/v1/stream/a' });
    expect(parsed.ok && parsed.value.contentType).toBeUndefined();
  });
});

describe('append headers', () => {
  it('needs all three producer headers or none', () => {
    expect(parseAppendHeaders({ 'producer-id': 'p', 'producer-epoch': '0' }).ok).toBe(false);
    expect(
      parseAppendHeaders({ 'producer-id': 'p', 'producer-epoch': '0', 'producer-seq': '2' }),
    ).toEqual({
      ok: true,
      value: { contentType: undefined, close: false, producer: { id: 'p', epoch: 0, seq: 2 } },
    });
  });

  it.each([
    [{ 'producer-id': '', 'producer-epoch': '0', 'producer-seq': '0' }],
    [{ 'producer-id': 'p', 'producer-epoch': '-1', 'producer-seq': '0' }],
    [{ 'producer-id': 'p', 'producer-epoch': '0', 'producer-seq': '9007199254740993' }],
  ])('refuses the producer headers %o', (headers) => {
    expect(parseAppendHeaders(headers).ok).toBe(false);
  });

  it('compares content types by media type', () => {
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('application/json');
  });
});
