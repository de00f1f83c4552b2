/**
 * The query strings of the read routes of SPEC section 3, as typed values: what the SDK encodes
 * into URLs here, and what the gateway decodes with `decodeSseEventsQuery` / `decodeItemsQuery`
 * (`decode-http-query.ts`, with zod). `decode(encode(query))` is `query` for every valid query.
 * No zod in this module: the SDK imports it.
 */
import type { Chunking } from './client-frame.ts';

/** `?format=`: Spool's own events, OpenAI's chunk format, or Anthropic's Messages events. */
export type Format = 'spool' | 'openai' | 'anthropic';

/**
 * `GET /v1/streams/:id/events?…`, decoded. The resume point may also come from
 * `Last-Event-ID` (`parseResumeId`); choosing among them is the gateway's.
 */
export interface SseEventsQuery {
  /** `?from=N`: resume at this offset. Not together with `subscription`. */
  from?: number;
  /** `?epoch=`: the epoch of the items the client holds below `from` (epoch.ts). Only with `from`. */
  epoch?: string;
  /** `?subscription=sub_…`: resume where this durable subscription was acknowledged. */
  subscription?: string;
  /** `?format=`, `spool` when absent. */
  format: Format;
  /** `?chunking=token|adaptive`, or `?chunk_items=N&chunk_delay_ms=M` for `{maxItems, maxDelayMs}`. */
  chunking?: Chunking;
  /** `?include_usage=true|false` (OpenAI format): overrides what the stream was created with. */
  includeUsage?: boolean;
  /** `?window=N` (1..`MAX_WINDOW`): the most items sent and not yet acknowledged; `SPOOL_WINDOW` when absent. */
  window?: number;
}

/** What `encodeSseEventsQuery` takes: `format` may be left out (`spool`). */
export type SseEventsQueryInput = Omit<SseEventsQuery, 'format'> & { format?: Format };

/**
 * `GET /v1/streams/:id/items?from=N&limit=M&block=b`, decoded. `from` is undefined when absent:
 * the gateway starts at 0, or at the block's first item when `block` is given.
 */
export interface ItemsQuery {
  from?: number | undefined;
  /** Items per page, 1..`MAX_ITEMS_LIMIT`, `DEFAULT_ITEMS_LIMIT` when absent. */
  limit: number;
  /** Only the items of this content block. */
  block?: number | undefined;
}

/** What `encodeItemsQuery` takes: `limit` may be left out (the default). */
export type ItemsQueryInput = Partial<ItemsQuery>;

/**
 * The query string of an events request: `''`, or `?` and the parameters that are set, in a
 * fixed order. `format: 'spool'` (the default) is left out. No validation: the gateway refuses
 * what is out of bounds.
 */
export function encodeSseEventsQuery(query: SseEventsQueryInput): string {
  const { chunking } = query;
  return queryString([
    ['from', query.from],
    ['epoch', query.epoch],
    ['subscription', query.subscription],
    ['format', query.format === 'spool' ? undefined : query.format],
    ['chunking', typeof chunking === 'string' ? chunking : undefined],
    ['chunk_items', typeof chunking === 'object' ? chunking.maxItems : undefined],
    ['chunk_delay_ms', typeof chunking === 'object' ? chunking.maxDelayMs : undefined],
    ['include_usage', query.includeUsage],
    ['window', query.window],
  ]);
}

/** The query string of an items request: `''`, or `?` and the parameters that are set. */
export function encodeItemsQuery(query: ItemsQueryInput): string {
  return queryString([
    ['from', query.from],
    ['limit', query.limit],
    ['block', query.block],
  ]);
}

function queryString(parameters: [string, string | number | boolean | undefined][]): string {
  const search = new URLSearchParams();
  for (const [name, value] of parameters) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
