/**
 * `useSpoolStream(id)`: what a component shows of a stream — text per block, status, error — and
 * its controls, re-rendering as chunks arrive. Every component that passes the same id (with the
 * same client) shares one underlying stream and connection (shared-streams.ts), StrictMode's
 * double mount included. `id` undefined: nothing is read (status `idle`).
 */
import type { SpoolClient, StreamOptions } from '@spool/client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { type StreamView, sharedStreams } from './shared-streams.ts';
import { useSpoolClient } from './spool-context.ts';

export interface UseSpoolStreamOptions {
  /** The client, when there is no `SpoolProvider`. */
  client?: SpoolClient;
  /**
   * Where the first component to open the stream starts reading (`from`, `epoch`,
   * `highWaterMark`, …); later components share what is open.
   */
  stream?: StreamOptions;
}

export interface SpoolStreamControls {
  /** Stops the generation; the stream ends `cancelled`. */
  cancel(): Promise<void>;
  /** After a failure (status `failed` without a finish reason): reads on from the offset shown. */
  resume(): void;
  /** Cuts the connection as a network failure would; the stream resumes by itself. */
  drop(): void;
}

export type SpoolStreamState = (StreamView | IdleView) & SpoolStreamControls;

export interface IdleView {
  id: undefined;
  status: 'idle';
  text: '';
  blocks: readonly [];
  error: undefined;
  finishReason: undefined;
  offset: 0;
  connected: false;
  reconnects: 0;
}

const IDLE: IdleView = {
  id: undefined,
  status: 'idle',
  text: '',
  blocks: [],
  error: undefined,
  finishReason: undefined,
  offset: 0,
  connected: false,
  reconnects: 0,
};

export function useSpoolStream(
  id: string | undefined,
  options: UseSpoolStreamOptions = {},
): SpoolStreamState {
  const client = useSpoolClient(options.client);
  const registry = sharedStreams(client);
  const streamOptions = options.stream;
  // Options matter to the first opener only: a new object each render must not resubscribe.
  // biome-ignore lint/correctness/useExhaustiveDependencies: streamOptions is read once, on purpose
  const subscribe = useCallback(
    (notify: () => void) => {
      if (id === undefined) return () => {};
      const stream = registry.acquire(id, streamOptions);
      const off = stream.listen(notify);
      // The view may have moved between the render and this subscription.
      notify();
      return () => {
        off();
        registry.release(id);
      };
    },
    [registry, id],
  );
  const view = useSyncExternalStore<StreamView | IdleView>(
    subscribe,
    () => (id === undefined ? IDLE : registry.peek(id, streamOptions).view),
    () => IDLE,
  );
  const controls = useMemo<SpoolStreamControls>(
    () => ({
      cancel: () => (id === undefined ? Promise.resolve() : registry.peek(id).cancel()),
      resume: () => {
        if (id !== undefined) registry.peek(id).resume();
      },
      drop: () => {
        if (id !== undefined) registry.peek(id).drop();
      },
    }),
    [registry, id],
  );
  return useMemo(() => ({ ...view, ...controls }), [view, controls]);
}
