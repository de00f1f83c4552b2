import { describe, expect, it } from 'vitest';
import { HTTP_ROUTES, httpPath, streamPaths, streamUrls, webSocketUrl } from './http-paths.ts';

const id = 'st_AAAAAAAAAAAAAAAAAAAAAA';
const sub = 'sub_BBBBBBBBBBBBBBBBBBBBBB';

describe('the routes', () => {
  it('are the paths of SPEC section 3', () => {
    expect(
      Object.values(HTTP_ROUTES).map((route) => `${route.method} ${route.path}`),
    ).toStrictEqual([
      'POST /v1/streams',
      'GET /v1/streams/:id',
      'GET /v1/streams/:id/items',
      'GET /v1/streams/:id/events',
      'POST /v1/streams/:id/cancel',
      'POST /v1/streams/:id/subscriptions',
      'POST /v1/streams/:id/subscriptions/:sub/ack',
      'DELETE /v1/streams/:id/subscriptions/:sub',
      'GET /v1/ws',
      'POST /v1/chat/completions',
      'POST /v1/messages',
      'POST /v1/ai-sdk/chat',
      'GET /v1/ai-sdk/chat/:chat/stream',
      'POST /v1/ai-sdk/chat/:chat/stop',
      'ANY /v1/stream/*',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
    ]);
  });

  it('build request paths from their patterns', () => {
    expect(streamPaths.streams()).toBe('/v1/streams');
    expect(streamPaths.stream(id)).toBe(`/v1/streams/${id}`);
    expect(streamPaths.items(id)).toBe(`/v1/streams/${id}/items`);
    expect(streamPaths.events(id)).toBe(`/v1/streams/${id}/events`);
    expect(streamPaths.cancel(id)).toBe(`/v1/streams/${id}/cancel`);
    expect(streamPaths.subscriptions(id)).toBe(`/v1/streams/${id}/subscriptions`);
    expect(streamPaths.subscription(id, sub)).toBe(`/v1/streams/${id}/subscriptions/${sub}`);
    expect(streamPaths.ack(id, sub)).toBe(`/v1/streams/${id}/subscriptions/${sub}/ack`);
    expect(httpPath('webSocket')).toBe('/v1/ws');
    expect(httpPath('aiSdkChatStream', { chat: 'a b' })).toBe('/v1/ai-sdk/chat/a%20b/stream');
  });

  it('encode what is not a valid id, so it cannot leave its path segment', () => {
    expect(streamPaths.events('a/../b?c')).toBe('/v1/streams/a%2F..%2Fb%3Fc/events');
  });

  it('refuse to build a path without its parameters', () => {
    expect(() => httpPath('ackSubscription', { id })).toThrow(TypeError);
    expect(() => httpPath('aiSdkChatStop')).toThrow(TypeError);
  });
});

describe('streamUrls', () => {
  it('answers paths relative to the gateway without a base URL', () => {
    expect(streamUrls(id)).toStrictEqual({
      events: `/v1/streams/${id}/events`,
      ws: '/v1/ws',
      items: `/v1/streams/${id}/items`,
    });
  });

  it.each([
    ['https://spool.example/', 'https://spool.example', 'wss://spool.example'],
    ['http://host:8080/prefix//', 'http://host:8080/prefix', 'ws://host:8080/prefix'],
  ])('answers absolute URLs under %s', (base, http, ws) => {
    expect(streamUrls(id, base)).toStrictEqual({
      events: `${http}/v1/streams/${id}/events`,
      ws: `${ws}/v1/ws`,
      items: `${http}/v1/streams/${id}/items`,
    });
  });
});

describe('webSocketUrl', () => {
  it('derives the WebSocket endpoint of a gateway', () => {
    expect(webSocketUrl('https://host/spool')).toBe('wss://host/spool/v1/ws');
    expect(webSocketUrl('http://127.0.0.1:9')).toBe('ws://127.0.0.1:9/v1/ws');
  });
});
