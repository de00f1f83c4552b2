/**
 * `useSpoolCreate()`: a stream made by a create call, then read as `useSpoolStream` reads it.
 * `create(request)` starts a generation (from an event handler, never from render or an effect:
 * StrictMode runs those twice) and the component follows the new stream.
 */
import type { CreateStreamRequest } from '@spool/client';
import { useCallback, useState } from 'react';
import { useSpoolClient } from './spool-context.ts';
import {
  type SpoolStreamState,
  type UseSpoolStreamOptions,
  useSpoolStream,
} from './use-spool-stream.ts';

export type SpoolCreateState = SpoolStreamState & {
  /** Creates the stream and follows it; resolves with its id. */
  create(request: CreateStreamRequest): Promise<string>;
};

export function useSpoolCreate(options: UseSpoolStreamOptions = {}): SpoolCreateState {
  const client = useSpoolClient(options.client);
  const [id, setId] = useState<string | undefined>(undefined);
  const create = useCallback(
    async (request: CreateStreamRequest) => {
      const answer = await client.create(request);
      setId(answer.id);
      return answer.id;
    },
    [client],
  );
  const state = useSpoolStream(id, options);
  return { ...state, create };
}
