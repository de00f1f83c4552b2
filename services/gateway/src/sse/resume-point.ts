/**
 * Where an SSE delivery starts, from its request: `Last-Event-ID` (what an EventSource sends
 * when it reconnects), else `?from=`, else 0; or a durable `?subscription=`.
 *
 * With a subscription, the start is its acknowledged offset (unacknowledged items are sent
 * again), or the client's `Last-Event-ID` when that is further: the client says it has those.
 */
import { parseResumeOffset, type Result, type SseEventsQuery } from '@spool/protocol';
import type { ResumeRequest } from '../delivery/delivery-start.ts';

export function resumeRequest(input: {
  query: SseEventsQuery;
  lastEventId: string | string[] | undefined;
}): Result<ResumeRequest> {
  let lastEventId: number | undefined;
  if (input.lastEventId !== undefined) {
    const header = Array.isArray(input.lastEventId) ? input.lastEventId[0] : input.lastEventId;
    const parsed = parseResumeOffset(header ?? '');
    if (!parsed.ok) return parsed;
    lastEventId = parsed.value;
  }
  const { subscription, from } = input.query;
  if (subscription !== undefined) {
    return { ok: true, value: { kind: 'subscription', subscription, lastEventId } };
  }
  return { ok: true, value: { kind: 'offset', from: lastEventId ?? from ?? 0 } };
}
