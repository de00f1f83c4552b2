/**
 * Raw HTTP for the fuzz suite: node's `http` over keep-alive connections, so a case costs a
 * request, not a TCP handshake, and bodies go out as the exact bytes generated (broken UTF-8,
 * lying `Content-Type`s). An SSE answer is read for at most `sseMs`, then its connection is cut:
 * a case must not wait out a live stream.
 */
import http from 'node:http';
import type { HttpAnswer } from './oracle.ts';

export interface HttpCase {
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

export class FuzzHttp {
  readonly #agent: http.Agent;
  readonly #base: URL;
  readonly #sseMs: number;

  constructor(baseUrl: string, options: { sockets: number; sseMs: number }) {
    this.#base = new URL(baseUrl);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
    this.#sseMs = options.sseMs;
  }

  send(request: HttpCase): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = http.request({
        agent: this.#agent,
        host: this.#base.hostname,
        port: this.#base.port,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { 'content-length': request.body.length }),
        },
      });
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer in 30 s')));
      outgoing.on('error', (error) => {
        const type = request.headers['content-type'] ?? 'none';
        const detail = `reused socket: ${outgoing.reusedSocket}, ${request.body?.length ?? 0} bytes of ${type}`;
        reject(new Error(`${error.message} (${detail})`));
      });
      outgoing.on('response', (response) => {
        const parts: Buffer[] = [];
        const sse = String(response.headers['content-type']).startsWith('text/event-stream');
        const cut = sse ? setTimeout(() => finish(true), this.#sseMs) : undefined;
        const finish = (early: boolean) => {
          clearTimeout(cut);
          if (early) outgoing.destroy();
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(parts).toString('utf8'),
          });
        };
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => finish(false));
        response.on('error', () => finish(true));
      });
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
