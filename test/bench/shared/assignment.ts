/**
 * What the harness tells a client process to do, and what the process reports back.
 * Shared by the harness (`spool-bench.ts`), the client processes and the raw XREAD reader.
 */
export type SystemName = 'spool' | 'naive' | 'resumable' | 'raw';
export type Transport = 'ws' | 'sse' | 'grpc' | 'xread';

export type StreamParams = Record<string, number | string | boolean>;

export interface CreateRequest {
  prompt: string;
  params: StreamParams;
}

/** How a reader behaves besides reading. Times are ms after its first token arrived. */
export type Behaviour =
  | { kind: 'normal' }
  /** Reads at `1 / factor` of the stream's rate for `forMs`, then normally. */
  | { kind: 'slow'; factor: number; forMs: number }
  /** Stops reading at `atMs` for `forMs` (socket paused, no acks), then catches up. */
  | { kind: 'pause'; atMs: number; forMs: number }
  /** Drops the connection at each of `dropsAtMs`, waits `offlineMs`, resumes. */
  | { kind: 'churn'; dropsAtMs: number[]; offlineMs: number; switchServer: boolean }
  /**
   * Reads until `afterItems` items are in, then stops reading (socket paused, no acks) until
   * the harness sends a `release` line, then reads to the end.
   */
  | { kind: 'hold'; afterItems: number };

export interface ConnectionPlan {
  /** Unique in the scenario. */
  index: number;
  system: Exclude<SystemName, 'raw'>;
  transport: Exclude<Transport, 'xread'>;
  /**
   * POST to the first to create the stream (then read it), to the next if a server went away
   * with the request; absent: read the stream named `joinKey`.
   */
  createUrls?: string[];
  create?: CreateRequest;
  /** Key of a stream the harness created, named in the start line. */
  joinKey?: string;
  /** Base URLs to read from; the first is where the reader starts, the next ones are for resumes. */
  readUrls: string[];
  /** gRPC: `host:port` of the same servers as `readUrls`, in the same order. */
  grpcTargets?: string[];
  /** ms after the start epoch. */
  startAtMs: number;
  window: number;
  /**
   * Spool SSE: read through a subscription (`?subscription=`), acknowledging by POST, so the
   * window bounds what is sent ahead; without it the socket is the only flow control.
   */
  subscription?: boolean;
  behaviour: Behaviour;
}

export interface ClientAssignment {
  connections: ConnectionPlan[];
  /** ms after the start epoch at which every connection still open is abandoned. */
  deadlineMs: number;
}

/** The start line the harness writes to every client process's stdin. */
export interface StartLine {
  type: 'start';
  /** Epoch (ms since 1970, fractional) that every `startAtMs` counts from. */
  epoch: number;
  streams: Record<string, string>;
}

export interface Resume {
  /** When the reconnecting request was sent. */
  startedAt: number;
  /** When the first item after the resume point arrived. */
  firstItemAt?: number;
  reason: 'churn' | 'dropped' | 'error';
  switchedServer: boolean;
}

export interface ConnectionReport {
  index: number;
  system: SystemName;
  transport: Transport;
  streamId?: string;
  createSentAt?: number;
  /** Each (re)subscription: when it was sent and from which offset. */
  subscribes: { at: number; from: number }[];
  /** Flat triples [from, to, receivedAt, …]: one per chunk, in arrival order. */
  chunks: number[];
  /** Content checksum of what was received, in order (see checksum.ts). */
  hash: string;
  /** Offset after the last item received in order. */
  next: number;
  duplicates: number;
  /** Items skipped by a chunk that started past `next`. */
  gaps: number;
  ended: boolean;
  bytes: number;
  messages: number;
  resumes: Resume[];
  errors: string[];
  /** Why it gave up, if it did. */
  failed?: string;
}

/** A report with nothing received yet; `chunks` is the tracker's array, filled as items arrive. */
export function newConnectionReport(
  fields: Pick<ConnectionReport, 'index' | 'system' | 'transport' | 'chunks' | 'subscribes'> &
    Partial<ConnectionReport>,
): ConnectionReport {
  return {
    hash: '',
    next: 0,
    duplicates: 0,
    gaps: 0,
    ended: false,
    bytes: 0,
    messages: 0,
    resumes: [],
    errors: [],
    ...fields,
  };
}

export interface ProcessReport {
  type: 'report';
  connections: ConnectionReport[];
}

export interface ProgressLine {
  type: 'progress';
  done: number;
  total: number;
  items: number;
  /** Readers holding (behaviour `hold`: stopped reading, waiting for `release`). */
  held?: number;
}

/** Written by the harness after the start line: readers that hold read again. */
export interface ReleaseLine {
  type: 'release';
}
