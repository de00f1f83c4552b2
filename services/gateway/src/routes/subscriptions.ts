/**
 * Durable subscriptions over HTTP (SPEC section 3): create one, acknowledge through it (the ack
 * channel of SSE clients), drop it. The token log keeps them; any gateway serves any of them.
 */
import {
  type AckAnswer,
  ackBodySchema,
  type CreateSubscriptionAnswer,
  createSubscriptionBodySchema,
  HTTP_ROUTES,
  SpoolError,
} from '@spool/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  parseInput,
  parseStreamId,
  parseSubscriptionId,
  registerWithLenientJson,
  type StreamParams,
  type SubscriptionParams,
} from '../http/request-input.ts';

export function registerSubscriptionRoutes(app: FastifyInstance): void {
  registerWithLenientJson(app, (scope) => {
    scope.post(HTTP_ROUTES.createSubscription.path, createSubscription);
    scope.post(HTTP_ROUTES.ackSubscription.path, acknowledge);
    scope.delete(HTTP_ROUTES.deleteSubscription.path, deleteSubscription);
  });
}

async function createSubscription(
  request: FastifyRequest<{ Params: StreamParams }>,
  reply: FastifyReply,
) {
  const id = parseStreamId(request.params);
  // No body at all (or an empty one) means "from the start".
  const body = parseInput(createSubscriptionBodySchema, request.body ?? {}, 'body');
  const position = await request.server.spool.log.createSubscription(id, body.from ?? 0);
  const answer: CreateSubscriptionAnswer = {
    subscription: position.subscription,
    from: position.acked,
  };
  return reply.code(201).send(answer);
}

async function acknowledge(
  request: FastifyRequest<{ Params: SubscriptionParams }>,
): Promise<AckAnswer> {
  const id = parseStreamId(request.params);
  const subscription = parseSubscriptionId(request.params);
  const body = parseInput(ackBodySchema, request.body, 'body');
  const acked = await request.server.spool.log.ack(id, subscription, body.offset);
  return { subscription, acked };
}

async function deleteSubscription(
  request: FastifyRequest<{ Params: SubscriptionParams }>,
  reply: FastifyReply,
) {
  const id = parseStreamId(request.params);
  const subscription = parseSubscriptionId(request.params);
  const deleted = await request.server.spool.log.deleteSubscription(id, subscription);
  if (!deleted) {
    throw new SpoolError('subscription_not_found', `No subscription ${subscription} on ${id}.`);
  }
  return reply.code(204).send();
}
