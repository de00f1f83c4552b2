/**
 * Creating a stream, for every route that starts one (`POST /v1/streams`, the OpenAI-compatible
 * chat completions): `Idempotency-Key` handling, admission, the stream's record, its job.
 */
import { createHash, createHmac } from 'node:crypto';
import type { GenerationJob } from '@spool/generation-queue';
import {
  type CreateStreamAnswer,
  type CreateStreamBody,
  IDEMPOTENCY_KEY_PATTERN,
  isSpoolError,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  SpoolError,
  type StreamStatus,
  streamUrls,
} from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';
import { newStreamId } from '@spool/token-log';
import { OWNER_FIELD } from '../auth/access-control.ts';
import type { ApiKey } from '../auth/api-keys.ts';
import type { GatewayContext } from '../context.ts';
import { checkGeneration } from './generation-caps.ts';

/** The id a job is built with to check it before the stream's id is known. */
const DRAFT_ID = 'st_draft_for_checks_only';

/** Length of the base64url part of a stream id derived from an `Idempotency-Key` (132 bits). */
const DERIVED_ID_LENGTH = 22;

export interface CreateStreamInput {
  /** The validated request: a repeat of its `Idempotency-Key` with another one is a conflict. */
  request: unknown;
  /** The `Idempotency-Key` header, as received. */
  idempotencyKey: string | string[] | undefined;
  /** String fields kept in the stream's metadata (model, metadata, …). */
  fields: Record<string, string>;
  /** The generation job of the stream with this id. */
  job: (streamId: string) => GenerationJob;
  /** The API key that asked (access control on): it owns the stream and scopes the Idempotency-Key. */
  key: ApiKey | undefined;
}

export interface CreatedStream {
  id: string;
  /** False for a repeat with the same `Idempotency-Key`: the stream existed. */
  created: boolean;
  status: StreamStatus;
  /** The stream's read token (access control on). */
  readToken: string | undefined;
}

/** The JSON answer of a create (`POST /v1/streams`, the AI SDK chat asked for JSON). */
export function createdAnswer(
  stream: CreatedStream,
  publicUrl: string | undefined,
): CreateStreamAnswer {
  return {
    id: stream.id,
    status: stream.status,
    urls: streamUrls(stream.id, publicUrl),
    ...(stream.readToken === undefined ? {} : { read_token: stream.readToken }),
  };
}

/**
 * Creates a stream and enqueues its generation, for every route that starts one: honours
 * `Idempotency-Key` (400 when malformed, the same stream on a repeat, 409 with another
 * request), the generation's rules and caps (400) and admission (429 `over_capacity`), all
 * before anything is stored.
 */
export async function createStream(
  context: Pick<
    GatewayContext,
    'log' | 'queue' | 'admission' | 'config' | 'metrics' | 'access' | 'quotas'
  >,
  input: CreateStreamInput,
): Promise<CreatedStream> {
  const { log, queue, admission, config, metrics, access, quotas } = context;
  const started = performance.now();
  const key = idempotencyKey(input.idempotencyKey);
  checkGeneration(config.bounds, input.job(DRAFT_ID));
  const owner = input.key?.id;
  await admission.checkCreate();
  if (owner !== undefined) await quotas.admitCreate(owner);
  const id =
    key === undefined ? newStreamId() : derivedStreamId(config.idSecret, scopedKey(key, owner));
  if (owner !== undefined) await quotas.admitStream(owner, id);
  const created = await createOrConflict(log, {
    id,
    requestHash: sha256(canonicalJson(input.request)),
    fields: owner === undefined ? input.fields : { ...input.fields, [OWNER_FIELD]: owner },
  });
  // Also on a repeat: enqueueing is idempotent by job id, and it repairs a create whose
  // process died between storing the stream and enqueueing its generation.
  await queue.enqueue(input.job(id));
  if (created.created) metrics.stages.observe('enqueue', (performance.now() - started) / 1_000);
  return {
    id,
    created: created.created,
    status: created.status,
    readToken: access.issueReadToken(id, owner),
  };
}

/**
 * An Idempotency-Key in the scope of the API key that sent it: two keys sending the same one
 * get two streams. Without access control the key is used as sent (ids stay what they were).
 */
function scopedKey(key: string, owner: string | undefined): string {
  return owner === undefined ? key : `${owner}\n${key}`;
}

/** The header's value, undefined when absent, or 400 when it is not 1–255 visible ASCII. */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && IDEMPOTENCY_KEY_PATTERN.test(header)) return header;
  throw new SpoolError(
    'invalid_request',
    `Idempotency-Key: expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`,
  );
}

/**
 * The stream id of an `Idempotency-Key`: the same on every gateway, so a repeated create
 * lands on the same stream without any shared lookup (and the create script makes it atomic,
 * on Redis Cluster too). Keyed with the secret, so ids stay unguessable from keys.
 */
export function derivedStreamId(secret: string, key: string): string {
  const digest = createHmac('sha256', secret).update(key).digest('base64url');
  return `st_${digest.slice(0, DERIVED_ID_LENGTH)}`;
}

async function createOrConflict(log: TokenLog, input: Parameters<TokenLog['create']>[0]) {
  try {
    return await log.create(input);
  } catch (error) {
    if (isSpoolError(error, 'stream_exists')) {
      throw new SpoolError('idempotency_conflict', undefined, { cause: error });
    }
    throw error;
  }
}

/** JSON with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, inner]) => `${JSON.stringify(name)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The metadata fields of a stream made by `POST /v1/streams` (or gRPC `Create`). */
export function createBodyFields(body: CreateStreamBody): Record<string, string> {
  const fields: Record<string, string> = {};
  if (body.model !== undefined) fields.model = body.model;
  if (body.metadata !== undefined) fields.metadata = JSON.stringify(body.metadata);
  return fields;
}
