/** What the durable-streams scenario's load processes are given and report (ds-client-process.ts). */
import type { DsIntegrity } from './ds-messages.ts';

export type DsAssignment =
  | {
      role: 'append';
      streamUrls: string[];
      messages: number;
      bytes: number;
      idempotent: boolean;
    }
  | { role: 'catch-up'; streamUrls: string[]; messages: number; bytes: number }
  | {
      role: 'live-producer';
      streamUrl: string;
      messages: number;
      bytes: number;
      intervalMs: number;
    }
  | {
      role: 'live-readers';
      streamUrl: string;
      messages: number;
      bytes: number;
      longPoll: number;
      sse: number;
      deadlineMs: number;
    };

export interface DsAppendReport {
  posts: number;
  bytes: number;
  seconds: number;
}

export interface DsCatchUpReport {
  bytes: number;
  messages: number;
  requests: number;
  seconds: number;
  integrity: DsIntegrity;
}

export interface DsLiveProducerReport {
  /** When each message's POST was sent, by seq. */
  sentAt: number[];
  /** When each message's POST was answered, by seq. */
  answeredAt: number[];
}

export interface DsLiveReaderReport {
  mode: 'long-poll' | 'sse';
  /** When each message arrived, by seq (null: never). */
  receivedAt: (number | null)[];
  /** Requests (long-poll) or connections (SSE) it took. */
  requests: number;
  integrity: DsIntegrity;
  /** The first few messages it got twice or out of order, with the response that brought them. */
  incidents: string[];
  error?: string;
}
