/**
 * What a stream reports on its `state` event: where it reads from now and how often it had to
 * reconnect. The connector builds it; the stream passes it on to the application.
 */
import type { TransportName } from './options.ts';

export interface StreamState {
  transport?: TransportName;
  gateway?: string;
  connected: boolean;
  reconnects: number;
}
