/**
 * Requests Node's HTTP parser refuses before fastify sees them (fastify's `clientErrorHandler`).
 * fastify's default answers them in its own body (`{"error":"Bad Request",…}`) and with 431 for
 * a request head over Node's limit (16 KB) — neither in Spool's error table — and without a
 * request id. Here they answer in Spool's shape: a head over the limit is `413
 * payload_too_large`, a head that does not parse `400 invalid_request`, with `x-request-id`
 * (the details go to the log under it) and `Connection: close`, because the parser cannot go on
 * reading that connection. A request that did not arrive within `SPOOL_REQUEST_TIMEOUT_MS` keeps
 * fastify's `408` (docs/protocol.md section 4).
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { SpoolError } from '@spool/protocol';
import type { FastifyInstance } from 'fastify';

/** A request id: unique across gateways and restarts; a client quotes it, an operator greps it. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

const TIMEOUT_BODY = '{"error":"Request Timeout","message":"Client Timeout","statusCode":408}';

export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    write(socket, 408, TIMEOUT_BODY, {});
    return;
  }
  const requestId = newRequestId();
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new SpoolError('payload_too_large', 'The request line and headers are over 16 KB.')
      : new SpoolError('invalid_request', 'The request is not valid HTTP/1.1.');
  this.log.debug({ err: error, requestId }, 'request refused by the HTTP parser');
  write(socket, refusal.status, JSON.stringify(refusal.toJSON()), { 'x-request-id': requestId });
}

function write(socket: Socket, status: number, body: string, headers: Record<string, string>) {
  if (socket.writable) {
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extra.join('')}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
