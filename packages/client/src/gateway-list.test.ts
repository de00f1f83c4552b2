import { webSocketUrl } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { GatewayList, normalizeBaseUrl } from './gateway-list.ts';

describe('GatewayList', () => {
  it('rotates on failure and starts later requests at the one that worked', () => {
    const list = new GatewayList(['http://a:1/', 'http://b:2']);
    expect(list.url(list.preferred)).toBe('http://a:1');
    const next = list.next(0);
    expect(list.url(next)).toBe('http://b:2');
    expect(list.preferred).toBe(1);
    expect(list.next(1)).toBe(0);
    list.worked(1);
    expect(list.preferred).toBe(1);
  });

  it.each([
    { url: 'http://host:8080/', expected: 'http://host:8080' },
    { url: 'https://host/spool//', expected: 'https://host/spool' },
  ])('normalizes $url', ({ url, expected }) => {
    expect(normalizeBaseUrl(url)).toBe(expected);
  });

  it.each(['ftp://host', 'not a url'])('refuses %s', (url) => {
    expect(() => normalizeBaseUrl(url)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('derives the WebSocket endpoint', () => {
    expect(webSocketUrl('https://host/spool')).toBe('wss://host/spool/v1/ws');
    expect(webSocketUrl('http://127.0.0.1:9')).toBe('ws://127.0.0.1:9/v1/ws');
  });
});
