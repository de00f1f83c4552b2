import { connect } from 'node:net';

export interface ProbeRedisOptions {
  host: string;
  port: number;
  /** Gives up on this one probe after this long (connect plus replies). */
  timeoutMs?: number;
}

export interface RedisProbe {
  /** PING answered +PONG: the server accepts commands (not still loading its AOF). */
  ready: boolean;
  /** `process_id` from INFO server: tells our server from another one on the same port. */
  pid: number | undefined;
}

/**
 * One raw-socket probe (`PING` then `INFO server`, pipelined). Resolves undefined when nothing
 * answers; never rejects. Raw RESP instead of ioredis: no reconnect logic, no error events.
 */
export function probeRedis(options: ProbeRedisOptions): Promise<RedisProbe | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    let received = '';
    const finish = (probe: RedisProbe | undefined): void => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(options.timeoutMs ?? 500, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(parseReplies(received)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const probe = parseReplies(received);
      if (probe !== undefined) finish(probe);
    });
    socket.write('PING\r\nINFO server\r\n');
  });
}

/** Parses the PING reply and the INFO bulk string; undefined until both have fully arrived. */
function parseReplies(received: string): RedisProbe | undefined {
  const pingEnd = received.indexOf('\r\n');
  if (pingEnd === -1) return undefined;
  const ready = received.slice(0, pingEnd) === '+PONG';
  const headerEnd = received.indexOf('\r\n', pingEnd + 2);
  if (headerEnd === -1) return undefined;
  const header = received.slice(pingEnd + 2, headerEnd);
  if (!header.startsWith('$')) return { ready, pid: undefined };
  const bodyLength = Number(header.slice(1));
  const body = received.slice(headerEnd + 2);
  if (body.length < bodyLength) return undefined;
  const match = /^process_id:(\d+)\r$/m.exec(body);
  return { ready, pid: match?.[1] === undefined ? undefined : Number(match[1]) };
}
