/**
 * A Spool token stream read as a Durable Stream (docs/protocol.md section 14.4): a JSON stream,
 * one message per item, the message being the item exactly as `GET /v1/streams/:id/items`
 * answers it; closed once the stream has its `end` item.
 *
 * Offsets carry the index of the stream's epoch they were handed out in (ds-offset.ts): an
 * offset of an older epoch is answered only while no later epoch starts below it
 * (`resumeVerdict`); otherwise the reader may hold items Redis lost, and gets 410 Gone rather
 * than different items at offsets it already has.
 */
import { isSpoolError, resumeVerdict } from '@spool/protocol';
import type { ReadResult, StreamMeta, TokenLog } from '@spool/token-log';
import { JSON_MEDIA_TYPE } from './ds-body.ts';
import { type DsOffsetQuery, encodeOffset } from './ds-offset.ts';
import type { DsPageResult, DsSource } from './ds-source.ts';

export function tokenStreamSource(log: TokenLog, streamId: string): DsSource {
  return {
    async read(offset, options): Promise<DsPageResult> {
      let meta: StreamMeta;
      try {
        meta = await log.meta(streamId);
      } catch (error) {
        if (isSpoolError(error, 'stream_not_found') || isSpoolError(error, 'stream_expired')) {
          return { status: 'missing' };
        }
        throw error;
      }
      const from = startOf(offset, meta);
      if (typeof from === 'string') return { status: from };
      const limit = offset.kind === 'now' ? 0 : options.limit;
      const fromStart = offset.kind === 'start';
      const read = await readItems(log, streamId, { from, limit, fromStart });
      if (typeof read === 'string') return { status: read };
      const entries = read.items.map((item) => Buffer.from(JSON.stringify(item), 'utf8'));
      const atTail = entries.length < limit || limit === 0;
      const tailPosition = atTail ? read.next : Math.max(meta.length, read.next);
      const epoch = epochIndex(meta, read.epoch);
      return {
        status: 'ok',
        page: {
          entries,
          offsets: read.items.map((item) => encodeOffset({ epoch, position: item.offset + 1 })),
          next: encodeOffset({ epoch, position: read.next }),
          nextPosition: read.next,
          tail: encodeOffset({ epoch, position: tailPosition }),
          closed: read.done && read.next === tailPosition,
          contentType: JSON_MEDIA_TYPE,
        },
      };
    },
    async watch() {
      const waits = new Set<AbortController>();
      return {
        async next(position, timeoutMs, signal) {
          const controller = new AbortController();
          waits.add(controller);
          const stop = AbortSignal.any([controller.signal, signal, AbortSignal.timeout(timeoutMs)]);
          try {
            await log.follow(streamId, position, { signal: stop, limit: 1 });
            return true;
          } catch (error) {
            if (stop.aborted) return false;
            throw error;
          } finally {
            waits.delete(controller);
          }
        },
        stop() {
          for (const controller of waits) controller.abort();
        },
      };
    },
  };
}

/**
 * The items from `from` (`limit` 0: none, the metadata only). `-1` (`fromStart`) is the first
 * item still retained; any other offset before retention is gone.
 */
async function readItems(
  log: TokenLog,
  streamId: string,
  read: { from: number; limit: number; fromStart: boolean },
): Promise<ReadResult | 'offset_gone' | 'bad_offset' | 'missing'> {
  const { from, limit } = read;
  try {
    return await log
      .read(streamId, from, Math.max(limit, 1))
      .then((read) => (limit === 0 ? { ...read, items: [], next: from } : read));
  } catch (error) {
    const retained = isSpoolError(error, 'offset_expired') ? error.details?.value : undefined;
    if (read.fromStart && typeof retained === 'number' && retained > from) {
      return readItems(log, streamId, { ...read, from: retained, fromStart: false });
    }
    if (isSpoolError(error, 'offset_expired') || isSpoolError(error, 'data_loss')) {
      return 'offset_gone' as const;
    }
    if (isSpoolError(error, 'offset_out_of_range')) return 'bad_offset' as const;
    if (isSpoolError(error, 'stream_not_found') || isSpoolError(error, 'stream_expired')) {
      return 'missing' as const;
    }
    throw error;
  }
}

/** Where the read starts; an offset of a lost version of the log is gone. */
function startOf(offset: DsOffsetQuery, meta: StreamMeta): number | 'offset_gone' | 'bad_offset' {
  if (offset.kind === 'start') return 0;
  if (offset.kind === 'now') return meta.length;
  const epochs = meta.epochs.length > 0 ? meta.epochs : [{ epoch: meta.epoch, from: 0 }];
  const held = epochs[offset.epoch];
  if (held === undefined) return 'offset_gone';
  const verdict = resumeVerdict({
    resume: { offset: offset.position, epoch: held.epoch },
    epochs,
    length: meta.length,
  });
  if (verdict === 'continue') return offset.position;
  return verdict === 'reset' ? 'offset_gone' : 'bad_offset';
}

function epochIndex(meta: StreamMeta, epoch: string): number {
  const index = meta.epochs.findIndex((entry) => entry.epoch === epoch);
  return index < 0 ? Math.max(meta.epochs.length - 1, 0) : index;
}
