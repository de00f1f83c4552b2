/**
 * A chat page on the AI SDK's own `useChat`, against Spool's chat routes. The chat id is in the
 * URL (`?chat=`), so a reload — or a second tab with the same URL — finds the answer that is
 * running (`resume: true`). `?transport=spool` reads answers through `@spool/client`'s WebSocket
 * (`SpoolChatTransport`) instead of the stock `DefaultChatTransport`.
 */
import { useChat } from '@ai-sdk/react';
import { SpoolChatTransport } from '@spool/ai-sdk';
import { type ChatTransport, DefaultChatTransport, type UIMessage } from 'ai';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

const API = '/v1/ai-sdk/chat';
const query = new URLSearchParams(location.search);
const chatId = query.get('chat') ?? crypto.randomUUID();
if (!query.has('chat')) {
  query.set('chat', chatId);
  history.replaceState(null, '', `?${query}`);
}
const spool = query.get('transport') === 'spool';
const transport: ChatTransport<UIMessage> = spool
  ? new SpoolChatTransport({ baseUrl: location.origin })
  : new DefaultChatTransport({ api: API });

function textOf(message: UIMessage, type: 'text' | 'reasoning'): string {
  return message.parts.map((part) => (part.type === type ? part.text : '')).join('');
}

function Chat() {
  const { messages, sendMessage, status, stop, resumeStream, error } = useChat({
    id: chatId,
    transport,
    resume: true,
  });
  const [input, setInput] = useState('Tell me about streams.');

  // The stock transport does not reconnect by itself: come back when the network does.
  useEffect(() => {
    if (spool) return;
    const online = () => void resumeStream();
    addEventListener('online', online);
    return () => removeEventListener('online', online);
  }, [resumeStream]);

  // `stop()` only stops reading; the chat route's stop cancels the generation.
  const stopAnswer = async () => {
    await stop();
    if (!spool) await fetch(`${API}/${encodeURIComponent(chatId)}/stop`, { method: 'POST' });
  };

  return (
    <main style={{ fontFamily: 'system-ui', maxWidth: 720, margin: '2rem auto' }}>
      <h1>Spool · AI SDK chat</h1>
      <p>
        chat <code data-testid="chat-id">{chatId}</code> · status{' '}
        <span data-testid="status">{status}</span>
        {error ? <span data-testid="error"> · {error.message}</span> : null}
      </p>
      {messages.map((message) => (
        <section key={message.id} data-testid={`message-${message.role}`}>
          <strong>{message.role}</strong>
          {textOf(message, 'reasoning') ? (
            <pre data-testid="reasoning" style={{ color: '#777', whiteSpace: 'pre-wrap' }}>
              {textOf(message, 'reasoning')}
            </pre>
          ) : null}
          <p data-testid="text" style={{ whiteSpace: 'pre-wrap' }}>
            {textOf(message, 'text')}
          </p>
        </section>
      ))}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void sendMessage({ text: input });
        }}
      >
        <input
          data-testid="input"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          style={{ width: '70%' }}
        />
        <button
          data-testid="send"
          type="submit"
          disabled={status !== 'ready' && status !== 'error'}
        >
          Send
        </button>
        <button data-testid="stop" type="button" onClick={() => void stopAnswer()}>
          Stop
        </button>
      </form>
    </main>
  );
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <Chat />
    </StrictMode>,
  );
