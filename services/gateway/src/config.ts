/**
 * The gateway's configuration: parsed from the environment once, validated, frozen.
 * docs/configuration.md lists every variable.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUEUE_PREFIX } from '@spool/generation-queue';
import { MAX_CHUNK_ITEMS, MAX_TOKENS_LIMIT, MAX_WINDOW } from '@spool/protocol';
import { duration, findUnknownVariables, integer, oneOf, parseEnv, text } from '@spool/runtime';
import { z } from 'zod';
import { accessSettings, EXAMPLE_ID_SECRET, EXAMPLE_TOKEN_SECRET } from './auth/access-settings.ts';

const HOUR = 3_600_000;

const shape = {
  REDIS_URL: text('redis://127.0.0.1:6379'),
  SPOOL_KEY_PREFIX: text('spool:'),
  SPOOL_QUEUE_PREFIX: text(DEFAULT_QUEUE_PREFIX),
  SPOOL_HOST: z.string().trim().min(1).optional(),
  SPOOL_PORT: integer(0, 65_535, 8_080),
  // -1: no gRPC server (the default); 0: any free port.
  SPOOL_GRPC_PORT: integer(-1, 65_535, -1),
  SPOOL_PUBLIC_URL: z.url().optional(),
  SPOOL_GATEWAY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only')
    .optional(),
  SPOOL_ID_SECRET: text(EXAMPLE_ID_SECRET),
  SPOOL_HEARTBEAT_MS: duration(100, HOUR, 15_000),
  SPOOL_WINDOW: integer(1, MAX_WINDOW, 256),
  SPOOL_MAX_CHUNK_ITEMS: integer(1, MAX_CHUNK_ITEMS, 64),
  SPOOL_STALL_TIMEOUT_MS: duration(100, 24 * HOUR, 60_000),
  SPOOL_MAX_BUFFERED_BYTES: integer(1_024, 1 << 30, 1 << 20),
  SPOOL_MAX_CONNECTIONS: integer(1, 1_000_000, 10_000),
  SPOOL_MAX_QUEUE_DEPTH: integer(0, 10_000_000, 10_000),
  SPOOL_MAX_BODY_BYTES: integer(1_024, 64 << 20, 1 << 20),
  SPOOL_DEMO_GATEWAYS: z.string().optional(),
  SPOOL_DEMO_DIR: z.string().optional(),
  SPOOL_WS_MAX_STREAMS: integer(1, 100_000, 100),
  SPOOL_WS_MAX_FRAME_BYTES: integer(256, 1 << 20, 16_384),
  SPOOL_WS_MAX_PAYLOAD_BYTES: integer(1_024, 64 << 20, 1 << 20),
  SPOOL_WS_HIGH_WATER_BYTES: integer(1_024, 64 << 20, 256 * 1_024),
  SPOOL_WS_PING_MS: duration(100, HOUR, 30_000),
  SPOOL_STREAM_TTL: duration(1_000, 365 * 24 * HOUR, 24 * HOUR),
  SPOOL_MAX_STREAM_ITEMS: integer(10, 100_000_000, 1_000_000),
  SPOOL_SHUTDOWN_GRACE_MS: duration(0, HOUR, 5_000),
  // Bounds on the work one request or client can cause (issue 13, docs/configuration.md).
  SPOOL_REDIS_TIMEOUT_MS: duration(100, 60_000, 2_000),
  SPOOL_WS_IDLE_MS: duration(1_000, 24 * HOUR, 60_000),
  SPOOL_MAX_CONNECTIONS_PER_CLIENT: integer(1, 1_000_000, 1_000),
  SPOOL_MAX_SUBSCRIBERS_PER_STREAM: integer(1, 1_000_000, 1_000),
  SPOOL_REQUEST_TIMEOUT_MS: duration(1_000, HOUR, 30_000),
  SPOOL_MAX_TOKENS: integer(1, MAX_TOKENS_LIMIT, 32_768),
  SPOOL_ALLOW_UNPACED: oneOf(['0', '1'], '0'),
  SPOOL_MAX_PROMPT_CHARS: integer(1, 64 << 20, 500_000),
  // Access control (auth/, docs/security.md).
  SPOOL_API_KEYS: z.string().optional(),
  SPOOL_TOKEN_SECRET: text(EXAMPLE_TOKEN_SECRET),
  SPOOL_READ_TOKEN_TTL: duration(1_000, 365 * 24 * HOUR, 0),
  SPOOL_ALLOW_INSECURE: oneOf(['0', '1'], '0'),
  SPOOL_CORS_ORIGINS: z.string().optional(),
  SPOOL_QUOTA_CREATES_PER_MINUTE: integer(0, 1_000_000, 600),
  SPOOL_QUOTA_RUNNING_STREAMS: integer(0, 1_000_000, 256),
  SPOOL_QUOTA_CONNECTIONS: integer(0, 1_000_000, 1_000),
  // Durable Streams (docs/protocol.md section 14).
  SPOOL_DS_LONG_POLL_MS: duration(100, 5 * 60_000, 20_000),
  SPOOL_DS_SSE_MAX_MS: duration(1_000, HOUR, 60_000),
  SPOOL_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env) {
  const raw = parseEnv(shape, env);
  const access = accessSettings(raw, (path) => readFileSync(path, 'utf8'));
  return Object.freeze({
    ...access,
    redisUrl: raw.REDIS_URL,
    keyPrefix: raw.SPOOL_KEY_PREFIX,
    queuePrefix: raw.SPOOL_QUEUE_PREFIX,
    port: raw.SPOOL_PORT,
    /** The gRPC service's port (same host); undefined = off. */
    grpcPort: raw.SPOOL_GRPC_PORT < 0 ? undefined : raw.SPOOL_GRPC_PORT,
    publicUrl: raw.SPOOL_PUBLIC_URL,
    gatewayId: raw.SPOOL_GATEWAY_ID ?? `gw-${process.pid}-${Date.now().toString(36)}`,
    heartbeatMs: raw.SPOOL_HEARTBEAT_MS,
    window: raw.SPOOL_WINDOW,
    maxChunkItems: raw.SPOOL_MAX_CHUNK_ITEMS,
    stallTimeoutMs: raw.SPOOL_STALL_TIMEOUT_MS,
    maxBufferedBytes: raw.SPOOL_MAX_BUFFERED_BYTES,
    maxConnections: raw.SPOOL_MAX_CONNECTIONS,
    maxQueueDepth: raw.SPOOL_MAX_QUEUE_DEPTH,
    maxBodyBytes: raw.SPOOL_MAX_BODY_BYTES,
    demoGateways: (raw.SPOOL_DEMO_GATEWAYS ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    demoDir:
      raw.SPOOL_DEMO_DIR ?? fileURLToPath(new URL('../../../packages/demo/dist/', import.meta.url)),
    ws: {
      maxStreams: raw.SPOOL_WS_MAX_STREAMS,
      maxFrameBytes: raw.SPOOL_WS_MAX_FRAME_BYTES,
      maxPayloadBytes: Math.max(raw.SPOOL_WS_MAX_PAYLOAD_BYTES, raw.SPOOL_WS_MAX_FRAME_BYTES),
      highWaterBytes: raw.SPOOL_WS_HIGH_WATER_BYTES,
      pingMs: raw.SPOOL_WS_PING_MS,
    },
    retentionMs: raw.SPOOL_STREAM_TTL,
    maxStreamItems: raw.SPOOL_MAX_STREAM_ITEMS,
    shutdownGraceMs: raw.SPOOL_SHUTDOWN_GRACE_MS,
    logLevel: raw.SPOOL_LOG_LEVEL,
    bounds: {
      /** Longest wait for one Redis command on a request path; also the hang detector's. */
      redisTimeoutMs: raw.SPOOL_REDIS_TIMEOUT_MS,
      /** A WebSocket with no subscription for this long is closed. */
      wsIdleMs: raw.SPOOL_WS_IDLE_MS,
      /** One client's share of `maxConnections` (by address; the API-key part keys it by key). */
      maxConnectionsPerClient: Math.min(
        raw.SPOOL_MAX_CONNECTIONS_PER_CLIENT,
        raw.SPOOL_MAX_CONNECTIONS,
      ),
      /** Deliveries of one stream at once on this gateway. */
      maxSubscribersPerStream: raw.SPOOL_MAX_SUBSCRIBERS_PER_STREAM,
      /** Time to receive a whole request (headers and body). */
      requestTimeoutMs: raw.SPOOL_REQUEST_TIMEOUT_MS,
      /** The most tokens a create may ask for. */
      maxTokens: raw.SPOOL_MAX_TOKENS,
      /** Whether a client may ask for `tokens_per_second: 0` (no pacing at all). */
      allowUnpaced: raw.SPOOL_ALLOW_UNPACED === '1',
      /** The most characters of prompt (all messages' contents together) a create may carry. */
      maxPromptChars: raw.SPOOL_MAX_PROMPT_CHARS,
    },
    durableStreams: {
      /** How long a `live=long-poll` read waits for data (also SSE's keep-alive interval). */
      longPollMs: raw.SPOOL_DS_LONG_POLL_MS,
      /** How long one `live=sse` response lasts before the client reconnects. */
      sseMaxMs: raw.SPOOL_DS_SSE_MAX_MS,
      /** Most messages in one read answer (the rest comes with the next offset). */
      readLimit: 1_000,
    },
    unknownVariables: findUnknownVariables(env),
  });
}
