/**
 * The client the hooks use: `<SpoolProvider client={client}>` above them, or `options.client`.
 * One client per app is the rule: its streams and sockets are shared by every component.
 */
import type { SpoolClient } from '@spool/client';
import { createContext, createElement, type ReactNode, useContext } from 'react';

const SpoolContext = createContext<SpoolClient | undefined>(undefined);

export function SpoolProvider(props: { client: SpoolClient; children?: ReactNode }): ReactNode {
  return createElement(SpoolContext.Provider, { value: props.client }, props.children);
}

/** The client of the nearest `SpoolProvider`, or `client` when given; throws when there is none. */
export function useSpoolClient(client?: SpoolClient): SpoolClient {
  const provided = useContext(SpoolContext);
  const chosen = client ?? provided;
  if (chosen === undefined) {
    throw new Error('useSpoolStream: no SpoolClient (wrap the app in <SpoolProvider client={…}>).');
  }
  return chosen;
}
