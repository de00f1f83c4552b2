/** A Durable Stream of the Redis store as a DsSource (ds-source.ts). */
import type { RedisDurableStreams } from '@spool/token-log';
import { type DsOffsetQuery, encodeOffset } from './ds-offset.ts';
import type { DsPageResult, DsSource } from './ds-source.ts';

export function durableSource(store: RedisDurableStreams, name: string): DsSource {
  return {
    async read(offset, options): Promise<DsPageResult> {
      const from = positionOf(offset);
      if (from === undefined) return { status: 'bad_offset' };
      const limit = offset.kind === 'now' ? 0 : options.limit;
      const read = await store.read(name, { from, limit, touch: options.touch });
      if (read.status !== 'ok') return { status: read.status };
      const start = offset.kind === 'now' ? read.length : Math.min(from, read.length);
      const nextPosition = start + read.entries.length;
      return {
        status: 'ok',
        page: {
          entries: read.entries,
          offsets: read.entries.map((_entry, index) =>
            encodeOffset({ epoch: 0, position: start + index + 1 }),
          ),
          next: encodeOffset({ epoch: 0, position: nextPosition }),
          nextPosition,
          tail: encodeOffset({ epoch: 0, position: read.length }),
          closed: read.closed,
          contentType: read.contentType,
          ...(read.ttlSeconds === undefined ? {} : { ttlSeconds: read.ttlSeconds }),
          ...(read.expiresAt === undefined ? {} : { expiresAt: read.expiresAt }),
        },
      };
    },
    async watch() {
      const watch = await store.watch(name);
      return {
        next: (_position, timeoutMs, signal) => watch.next(timeoutMs, signal),
        stop: () => watch.stop(),
      };
    },
  };
}

/** Where a read starts, in entries; `now` reads the metadata only. Epochs other than 0: none. */
function positionOf(offset: DsOffsetQuery): number | undefined {
  if (offset.kind === 'start' || offset.kind === 'now') return 0;
  return offset.epoch === 0 ? offset.position : undefined;
}
