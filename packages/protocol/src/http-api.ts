/**
 * The JSON answers of the HTTP API (SPEC section 3, decisions in docs/protocol.md section 3):
 * what the gateway sends and the SDK reads, one type each, and decoders that check a body
 * field by field (`field-reader.ts`, no zod: the SDK decodes with them). A decoder keeps the
 * fields of its type and drops the others; it never throws.
 */
import { decodeItem } from './decode-item.ts';
import { FieldReader } from './field-reader.ts';
import type { StreamUrls } from './http-paths.ts';
import {
  FINISH_REASONS,
  type FinishReason,
  type Item,
  STREAM_STATUSES,
  type StreamStatus,
} from './items.ts';
import { isJsonObject, type JsonObject } from './json-object.ts';
import { type FieldErrorOptions, fieldError, type Result } from './protocol-error.ts';

/** `POST /v1/streams`: `201` for a new stream, `200` for a repeat of its `Idempotency-Key`. */
export interface CreateStreamAnswer {
  id: string;
  status: StreamStatus;
  urls: StreamUrls;
  /**
   * With access control on: the signed capability to read this one stream until it expires
   * (docs/security.md). Absent when the gateway runs without API keys.
   */
  read_token?: string;
}

/** `GET /v1/streams/:id`. */
export interface StreamMetadata {
  id: string;
  status: StreamStatus;
  /** Items stored so far. */
  length: number;
  model: string | null;
  /** ISO 8601. */
  created_at: string;
  /** Once the stream has ended. */
  finish_reason?: FinishReason;
  /** The create request's `metadata`. */
  metadata?: Record<string, string>;
}

/**
 * `GET /v1/streams/:id/items`: continue from `next`; `done` once there is nothing more to read.
 * `epoch` (absent from block reads and gateways before epochs): the version of the log the items
 * are of; a reader paging through a stream that sees it change reads again from 0.
 */
export interface ItemsPage {
  items: Item[];
  next: number;
  done: boolean;
  epoch?: string;
}

/** `POST /v1/streams/:id/cancel`, `202`: `cancelled` for a queued stream, else its status. */
export interface CancelAnswer {
  id: string;
  status: StreamStatus;
}

/** `POST /v1/streams/:id/subscriptions`, `201`: delivery through it starts at `from`. */
export interface CreateSubscriptionAnswer {
  subscription: string;
  from: number;
}

/** `POST /v1/streams/:id/subscriptions/:sub/ack`: the acknowledged offset (acks only move forward). */
export interface AckAnswer {
  subscription: string;
  acked: number;
}

/** A body that is not what the route answers is the gateway's fault, not the request's. */
const bodyOptions: FieldErrorOptions = { code: 'internal', subject: 'body' };

export function decodeCreateStreamAnswer(value: unknown): Result<CreateStreamAnswer> {
  return readBody(value, (fields, raw) => ({
    id: fields.string('id'),
    status: fields.oneOf('status', STREAM_STATUSES),
    urls: fields.object('urls', (urls) => ({
      events: urls.string('events'),
      ws: urls.string('ws'),
      items: urls.string('items'),
    })),
    ...(raw.read_token === undefined ? {} : { read_token: fields.string('read_token') }),
  }));
}

export function decodeStreamMetadata(value: unknown): Result<StreamMetadata> {
  return readBody(value, (fields, raw) => {
    const meta: StreamMetadata = {
      id: fields.string('id'),
      status: fields.oneOf('status', STREAM_STATUSES),
      length: fields.integer('length'),
      model: raw.model === null ? null : fields.string('model'),
      created_at: fields.string('created_at'),
    };
    if (raw.finish_reason !== undefined) {
      meta.finish_reason = fields.oneOf('finish_reason', FINISH_REASONS);
    }
    if (raw.metadata !== undefined) meta.metadata = readMetadata(fields, raw.metadata);
    return meta;
  });
}

export function decodeItemsPage(value: unknown): Result<ItemsPage> {
  return readBody(value, (fields, raw) => {
    const page: ItemsPage = {
      items: readItems(fields, raw.items),
      next: fields.integer('next'),
      done: fields.boolean('done'),
    };
    if (raw.epoch !== undefined) page.epoch = fields.string('epoch');
    return page;
  });
}

export function decodeCancelAnswer(value: unknown): Result<CancelAnswer> {
  return readBody(value, (fields) => ({
    id: fields.string('id'),
    status: fields.oneOf('status', STREAM_STATUSES),
  }));
}

export function decodeCreateSubscriptionAnswer(value: unknown): Result<CreateSubscriptionAnswer> {
  return readBody(value, (fields) => ({
    subscription: fields.string('subscription'),
    from: fields.integer('from'),
  }));
}

export function decodeAckAnswer(value: unknown): Result<AckAnswer> {
  return readBody(value, (fields) => ({
    subscription: fields.string('subscription'),
    acked: fields.integer('acked'),
  }));
}

function readBody<T>(value: unknown, read: (fields: FieldReader, raw: JsonObject) => T): Result<T> {
  if (!isJsonObject(value)) {
    return { ok: false, error: fieldError([], 'expected an object', bodyOptions) };
  }
  const fields = new FieldReader(value);
  return fields.result(read(fields, value), bodyOptions);
}

function readItems(fields: FieldReader, value: unknown): Item[] {
  if (!Array.isArray(value)) {
    fields.fail(['items'], 'expected an array');
    return [];
  }
  const items: Item[] = [];
  for (const [index, entry] of value.entries()) {
    const item = decodeItem(entry, bodyOptions);
    if (item.ok) items.push(item.value);
    else fields.fail(['items', index], item.error.message);
  }
  return items;
}

function readMetadata(fields: FieldReader, value: unknown): Record<string, string> {
  if (!isJsonObject(value)) {
    fields.fail(['metadata'], 'expected an object');
    return {};
  }
  const entries = Object.entries(value);
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string') fields.fail(['metadata', key], 'expected a string');
  }
  // fromEntries defines keys (even `__proto__`) as own properties; it never sets a prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}
