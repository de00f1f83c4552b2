/**
 * Epochs: which version of a stream's log a client's offsets belong to. Pure: no I/O, no zod
 * (the SDK uses it).
 *
 * Redis can lose writes it acknowledged (an AOF `everysec` crash, a replica promoted before it
 * had everything). The token log then starts a new epoch at the stream's length before it writes
 * again, and keeps the history: `[{ epoch, from }]`, oldest first, the first from 0 (see the
 * token log's `lua/include/epoch.lua`). A client that holds offsets `[0, offset)` it was given
 * in epoch `e` holds exactly the log's items there if no later epoch starts below `offset`;
 * otherwise it may hold items Redis lost and another run wrote differently: it must read the
 * stream again from the start (`stream_reset`), never splice two versions.
 *
 * Resume ids carry the epoch: `<offset>:<epoch>` (an SSE `id:` line, `Last-Event-ID`); a plain
 * `<offset>` is the form of clients that predate epochs.
 */
import { protocolError, type Result } from './protocol-error.ts';

export interface EpochStart {
  epoch: string;
  /** The offset where the epoch starts: items below it are those of earlier epochs. */
  from: number;
}

/** A resume point: the offset to read from, and the epoch the client's items below it are of. */
export interface ResumeId {
  offset: number;
  /** Undefined for an id without an epoch (a client that predates epochs, or `?from=` alone). */
  epoch: string | undefined;
}

/** What an epoch looks like on the wire: 1–64 URL-safe characters (the token log makes 8 hex digits). */
export const EPOCH_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;

const RESUME_ID = /^([0-9]{1,16})(?::([0-9A-Za-z_-]{1,64}))?$/;

/** `<offset>:<epoch>`, or the plain offset for a stream without an epoch (""). */
export function formatResumeId(offset: number, epoch: string): string {
  return epoch === '' ? String(offset) : `${offset}:${epoch}`;
}

/**
 * A resume id: `<offset>` or `<offset>:<epoch>`, surrounding whitespace ignored. `subject`
 * names the input in the error message (`Last-Event-ID`).
 */
export function parseResumeId(text: string, subject = 'Last-Event-ID'): Result<ResumeId> {
  const match = RESUME_ID.exec(text.trim());
  const offset = Number(match?.[1]);
  if (match === null || !Number.isSafeInteger(offset)) {
    const message = `${subject}: expected a non-negative integer, optionally followed by ":<epoch>"`;
    return { ok: false, error: protocolError('invalid_offset', message) };
  }
  return { ok: true, value: { offset, epoch: match[2] } };
}

/**
 * Whether a client may go on from `offset`:
 * - `continue`: what it holds below `offset` is the log's (its epoch is current, or no later
 *   epoch starts below `offset`);
 * - `reset`: it may hold items of a lost version of the log (a later epoch starts below
 *   `offset`, its epoch is unknown to the stream, or its epoch is current but the log is now
 *   shorter than `offset`): it must read the stream again from the start;
 * - `out_of_range`: an id without an epoch beyond the end (as before epochs: bad input).
 *
 * An id without an epoch counts as one of the stream's first epoch: it goes on unless an epoch
 * started below its offset since.
 */
export function resumeVerdict(input: {
  resume: ResumeId;
  /** The stream's epochs, oldest first; the last is the current one. */
  epochs: readonly EpochStart[];
  /** The stream's length now. */
  length: number;
}): 'continue' | 'reset' | 'out_of_range' {
  const { resume, epochs, length } = input;
  if (resume.offset === 0) return 'continue';
  const index =
    resume.epoch === undefined ? 0 : epochs.findIndex((entry) => entry.epoch === resume.epoch);
  if (index < 0) return 'reset';
  let safe = length;
  for (const later of epochs.slice(index + 1)) safe = Math.min(safe, later.from);
  if (resume.offset <= safe) return 'continue';
  if (resume.epoch === undefined && resume.offset > length) return 'out_of_range';
  return 'reset';
}

/** The SSE response header naming the delivery's epoch (the SDK reads it; ids carry it too). */
export const EPOCH_HEADER = 'X-Spool-Epoch';
