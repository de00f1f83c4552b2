/**
 * How every route that answers with a new stream starts (the OpenAI- and Anthropic-compatible
 * endpoints, the AI SDK chat): the request counts as a connection (its answer holds it open for
 * the whole generation), the stream is created under the endpoint's name — so one
 * `Idempotency-Key` cannot name a stream another route's body created — and its read token goes
 * out as a header.
 */
import { READ_TOKEN_HEADER } from '@spool/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type CreatedStream,
  type CreateStreamInput,
  createStream,
} from '../streams/create-stream.ts';
import { admitConnection } from './client-identity.ts';

export async function createRouteStream(
  request: FastifyRequest,
  reply: FastifyReply,
  input: {
    /** The endpoint's name, which keys the request for `Idempotency-Key` repeats. */
    endpoint: string;
    /** The validated body. */
    body: unknown;
    plan: Pick<CreateStreamInput, 'fields' | 'job'>;
  },
): Promise<CreatedStream> {
  admitConnection(request);
  const stream = await createStream(request.server.spool, {
    request: { [input.endpoint]: input.body },
    idempotencyKey: request.headers['idempotency-key'],
    fields: input.plan.fields,
    job: input.plan.job,
    key: request.spoolKey,
  });
  if (stream.readToken !== undefined) reply.header(READ_TOKEN_HEADER, stream.readToken);
  return stream;
}
