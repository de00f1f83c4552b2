/**
 * Where an SSE delivery starts, from its request: `Last-Event-ID` (what an EventSource sends
 * when it reconnects), else `?from=`, else 0; or a durable `?subscription=`.
 *
 * With a subscription, the start is its acknowledged offset (unacknowledged items are sent
 * again), or the client's `Last-Event-ID` when that is further: the client says it has those.
 */
import {
  type EventsQuery,
  eventsQuerySchema,
  type ProtocolError,
  parseResumeOffset,
  type Result,
  validate,
} from '@spool/protocol';
import type { ResumeRequest } from '../delivery/delivery-start.ts';

export type SseResumeRequest = ResumeRequest & { query: EventsQuery };

export function resumeRequest(input: {
  query: unknown;
  lastEventId: string | string[] | undefined;
}): Result<SseResumeRequest> {
  const query = validate(eventsQuerySchema, input.query, {
    code: 'invalid_request',
    subject: 'query',
  });
  if (!query.ok) return query;
  let lastEventId: number | undefined;
  if (input.lastEventId !== undefined) {
    const header = Array.isArray(input.lastEventId) ? input.lastEventId[0] : input.lastEventId;
    const parsed = parseResumeOffset(header ?? '');
    if (!parsed.ok) return parsed;
    lastEventId = parsed.value;
  }
  const { subscription, from } = query.value;
  if (subscription !== undefined) {
    return {
      ok: true,
      value: { kind: 'subscription', subscription, lastEventId, query: query.value },
    };
  }
  const start = lastEventId ?? from ?? 0;
  return {
    ok: true,
    value: { kind: 'offset', from: start, query: query.value },
  };
}

export type { ProtocolError };
