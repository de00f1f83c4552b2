import { describe, expect, it } from 'vitest';
import { sseControl, sseData } from './ds-sse.ts';

describe('Durable Streams SSE framing', () => {
  it('puts each line of a payload on its own data line', () => {
    expect(sseData('a\nb\r\nc')).toBe('event: data\ndata:a\ndata:b\ndata:c\n\n');
  });

  it('frames a control event as one JSON line', () => {
    expect(sseControl({ streamNextOffset: '0_1', upToDate: true })).toBe(
      'event: control\ndata:{"streamNextOffset":"0_1","upToDate":true}\n\n',
    );
  });
});
