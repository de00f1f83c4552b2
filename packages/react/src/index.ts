/**
 * @spool/react: React hooks over @spool/client. `useSpoolStream(id)` and `useSpoolCreate()` give
 * a component the text per block, status, error and controls of a stream; components showing one
 * id share one underlying stream per client.
 */
export {
  LINGER_MS,
  SharedStream,
  SharedStreams,
  type StreamStatus,
  type StreamView,
  sharedStreams,
} from './shared-streams.ts';
export { SpoolProvider, useSpoolClient } from './spool-context.ts';
export { type SpoolCreateState, useSpoolCreate } from './use-spool-create.ts';
export {
  type IdleView,
  type SpoolStreamControls,
  type SpoolStreamState,
  type UseSpoolStreamOptions,
  useSpoolStream,
} from './use-spool-stream.ts';
