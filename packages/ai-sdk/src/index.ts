/**
 * @spool/ai-sdk: the Vercel AI SDK's `useChat` over Spool — a `ChatTransport` that reads answers
 * through `@spool/client` (multiplexed WebSocket, windows and acks, resume by offset).
 */
export { SpoolChatTransport, type SpoolChatTransportOptions } from './spool-chat-transport.ts';
