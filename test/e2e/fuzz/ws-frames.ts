/**
 * What the WebSocket cases share: how a lane's socket was opened, the gateway's frame limits,
 * and small builders of frames and expected answers.
 */
import type { ErrorCode } from '@spool/protocol';
import fc from 'fast-check';
import type { Fixtures, OwnedStream } from './fixtures.ts';
import type { WsExpect } from './ws-lane.ts';

export type WsLaneKind = 'key' | 'none';

/** `SPOOL_WS_MAX_FRAME_BYTES` of the fuzzed gateway (the default). */
export const WS_MAX_FRAME_BYTES = 16_384;
/** `SPOOL_WS_MAX_STREAMS` of the fuzzed gateway. */
export const WS_MAX_STREAMS = 8;

export const text = (frame: unknown) => JSON.stringify(frame);
export const error = (codes: ErrorCode[], stream?: string): WsExpect => ({ stream, codes });
export const streamTail = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((tail) => `st_${tail}`);

export function ownedOf(fixtures: Fixtures, index: number): OwnedStream {
  return fixtures.owned[index] ?? { id: '', token: '', length: 0, epoch: '' };
}

/** The token field a subscribe needs on a lane (none on a socket opened with the key). */
export function authOf(fixtures: Fixtures, lane: WsLaneKind, index: number): { token?: string } {
  return lane === 'key' ? {} : { token: ownedOf(fixtures, index).token };
}
