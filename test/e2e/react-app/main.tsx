/**
 * A page built like an app (Vite, React 19, StrictMode) for the browser test of @spool/react:
 * the App creates a stream with `useSpoolCreate`; two `Answer` components show the same stream
 * with `useSpoolStream`; a button drops the connection. `?gateways=a,b&transport=ws|sse`.
 */
import { SpoolClient } from '@spool/client';
import { SpoolProvider, useSpoolCreate, useSpoolStream } from '@spool/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CountingWebSocket, countingFetch } from './network-counts.ts';

const parameters = new URLSearchParams(location.search);
const client = new SpoolClient({
  baseUrl: (parameters.get('gateways') ?? location.origin).split(','),
  transport: parameters.get('transport') === 'sse' ? 'sse' : 'ws',
  WebSocket: CountingWebSocket,
  fetch: countingFetch,
  reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
});

function Answer(props: { id: string; name: string }) {
  const stream = useSpoolStream(props.id);
  return (
    <section>
      <h2>{props.name}</h2>
      <p data-testid={`status-${props.name}`}>{stream.status}</p>
      <p data-testid={`reconnects-${props.name}`}>{stream.reconnects}</p>
      <pre data-testid={`text-${props.name}`}>{stream.text}</pre>
      <p data-testid={`blocks-${props.name}`}>{stream.blocks.length}</p>
      {stream.error && <p data-testid={`error-${props.name}`}>{stream.error.code}</p>}
    </section>
  );
}

function App() {
  const stream = useSpoolCreate();
  const start = () =>
    void stream.create({ prompt: 'A React answer.', params: { seed: 7, max_tokens: 200 } });
  return (
    <main>
      <button type="button" data-testid="create" onClick={start} disabled={stream.id !== undefined}>
        create
      </button>
      <button type="button" data-testid="drop" onClick={stream.drop}>
        drop
      </button>
      <button type="button" data-testid="cancel" onClick={() => void stream.cancel()}>
        cancel
      </button>
      <p data-testid="stream-id">{stream.id ?? ''}</p>
      <p data-testid="status-app">{stream.status}</p>
      {stream.id !== undefined && <Answer id={stream.id} name="a" />}
      {stream.id !== undefined && <Answer id={stream.id} name="b" />}
    </main>
  );
}

const root = document.getElementById('root');
if (root === null) throw new Error('no #root');
createRoot(root).render(
  <StrictMode>
    <SpoolProvider client={client}>
      <App />
    </SpoolProvider>
  </StrictMode>,
);
