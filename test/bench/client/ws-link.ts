/** A raw WebSocket reader of one Spool stream: subscribe with a window, frames as they come. */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Link, LinkHandlers } from './link.ts';

export interface WsLinkOptions {
  baseUrl: string;
  streamId: string;
  from: number;
  window: number;
  handlers: LinkHandlers;
}

export function openWsLink(options: WsLinkOptions): Link {
  const { handlers, streamId } = options;
  const url = `${options.baseUrl.replace(/^http/, 'ws')}/v1/ws`;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let raw: Socket | undefined;
  let closed = false;
  const finish = (detail: string) => {
    if (closed) return;
    closed = true;
    handlers.closed(detail);
  };
  socket.on('upgrade', (response) => {
    raw = response.socket as Socket;
  });
  socket.on('open', () =>
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        stream: streamId,
        from: options.from,
        window: options.window,
      }),
    ),
  );
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    const type = frame.type as string;
    if (type === 'tokens') {
      handlers.tokens(frame.from as number, frame.to as number, frame.text as string);
    } else if (type === 'subscribed') {
      return;
    } else if (type === 'error' && frame.offset === undefined) {
      handlers.protocolError(String(frame.code), String(frame.message));
      socket.terminate();
    } else {
      delete frame.type;
      delete frame.stream;
      handlers.control(type, frame);
    }
  });
  socket.on('close', (code) => finish(`closed ${code}`));
  socket.on('error', (error) => finish(`error ${error.message}`));
  return {
    ack(offset) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'ack', stream: streamId, offset }));
      }
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.close(),
    abort: () => socket.terminate(),
    bytes: () => raw?.bytesRead ?? 0,
  };
}
