/** What every Durable Streams handler shares: the stream's name and plain-text answers. */
import type { RedisDurableStreams } from '@spool/token-log';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DsPageResult } from './ds-source.ts';

export const DS_PATH_PREFIX = '/v1/stream/';

/** The stream's name: the request path after `/v1/stream/`, as sent (not decoded). */
export function streamNameOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return path.slice(DS_PATH_PREFIX.length);
}

/** A Durable Streams answer without data: the protocol's errors are plain text. */
export function answer(reply: FastifyReply, status: number, message?: string): FastifyReply {
  reply.code(status);
  if (message === undefined) return reply.send();
  return reply.header('content-type', 'text/plain; charset=utf-8').send(message);
}

export function answerFailure(
  reply: FastifyReply,
  status: Exclude<DsPageResult['status'], 'ok'>,
  withBody: boolean,
) {
  const [code, message] =
    status === 'missing'
      ? [404, 'No such stream.']
      : status === 'gone'
        ? [410, 'The stream was deleted.']
        : status === 'offset_gone'
          ? [410, 'That offset is no longer readable (retention, or another epoch of the log).']
          : [400, 'The offset is not one of this stream.'];
  return answer(reply, code, withBody ? message : undefined);
}

/** `"<name as base64>:<start>:<end>[:c]"`: changes with the data and at the close. */
export function etagOf(request: FastifyRequest, start: string, end: string, closed: boolean) {
  const name = Buffer.from(streamNameOf(request)).toString('base64');
  return `"${name}:${start}:${end}${closed ? ':c' : ''}"`;
}

/** Per gateway (its context): aborted when it drains, ending every long-poll and SSE read. */
const draining = new WeakMap<object, AbortController>();

function drainControllerOf(server: FastifyInstance): AbortController {
  let controller = draining.get(server.spool);
  if (controller === undefined) {
    controller = new AbortController();
    draining.set(server.spool, controller);
  }
  return controller;
}

/** Ends the gateway's waiting reads: long-polls answer at once, SSE responses end. */
export function drainDurableStreams(server: FastifyInstance): void {
  drainControllerOf(server).abort();
}

/**
 * Aborts when the client goes away (a long-poll stops waiting for nobody) or the gateway drains
 * (SSE readers reconnect elsewhere from their last offset).
 */
export function closedSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return AbortSignal.any([controller.signal, drainControllerOf(reply.server).signal]);
}

export function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * The stream a write (PUT, POST, DELETE) names and the store, or undefined once answered: 403 for
 * a token stream's name (written by its generation only), 501 when this gateway was built without
 * a store (tests of other routes).
 */
export function writeTarget(
  request: FastifyRequest,
  reply: FastifyReply,
): { name: string; store: RedisDurableStreams } | undefined {
  const name = streamNameOf(request);
  if (name.startsWith('st_')) {
    answer(reply, 403, 'Names of the form st_… are Spool token streams: read-only here.');
    return undefined;
  }
  const store = request.server.spool.durableStreams;
  if (store === undefined) {
    answer(reply, 501, 'Durable Streams are not enabled on this gateway.');
    return undefined;
  }
  return { name, store };
}
