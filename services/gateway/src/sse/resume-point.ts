/**
 * Where an SSE delivery starts, from its request: `Last-Event-ID` (what an EventSource sends
 * when it reconnects: `<offset>:<epoch>`, or a plain offset from a client that predates
 * epochs), else `?from=` (with `?epoch=`), else 0; or a durable `?subscription=`.
 *
 * With a subscription, the start is its acknowledged offset (unacknowledged items are sent
 * again), or the client's `Last-Event-ID` when that is further: the client says it has those.
 */
import { parseResumeId, type Result, type SseEventsQuery } from '@spool/protocol';
import type { ResumeRequest } from '../delivery/delivery-start.ts';

export function resumeRequest(input: {
  query: SseEventsQuery;
  lastEventId: string | string[] | undefined;
}): Result<ResumeRequest> {
  let lastEventId: { offset: number; epoch: string | undefined } | undefined;
  if (input.lastEventId !== undefined) {
    const header = Array.isArray(input.lastEventId) ? input.lastEventId[0] : input.lastEventId;
    const parsed = parseResumeId(header ?? '');
    if (!parsed.ok) return parsed;
    lastEventId = parsed.value;
  }
  const { subscription, from, epoch } = input.query;
  if (subscription !== undefined) {
    return {
      ok: true,
      value: { kind: 'subscription', subscription, lastEventId: lastEventId?.offset },
    };
  }
  const resume = lastEventId ?? { offset: from ?? 0, epoch };
  return { ok: true, value: { kind: 'offset', from: resume.offset, epoch: resume.epoch } };
}
