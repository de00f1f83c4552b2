/**
 * Items: the entries of a stream's log (SPEC section 1).
 *
 * Every item has a dense 0-based `offset`. Token items carry a text delta and the index of
 * the block they belong to; control items open and close blocks, report usage, or end the
 * stream. Every stream ends with exactly one `end` item, possibly preceded by one `error`.
 */

export type BlockKind = 'text' | 'reasoning' | 'tool_call';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'cancelled' | 'error';

export const FINISH_REASONS: readonly FinishReason[] = [
  'stop',
  'length',
  'tool_calls',
  'cancelled',
  'error',
];

export interface ToolCallInfo {
  id: string;
  name: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface TokenItem {
  type: 'token';
  offset: number;
  block: number;
  text: string;
}

export interface BlockStartItem {
  type: 'block_start';
  offset: number;
  block: number;
  kind: BlockKind;
  /** Present when `kind` is `tool_call`: the call's id and function name. */
  tool?: ToolCallInfo;
}

export interface BlockEndItem {
  type: 'block_end';
  offset: number;
  block: number;
}

export interface UsageItem extends Usage {
  type: 'usage';
  offset: number;
}

export interface ErrorItem {
  type: 'error';
  offset: number;
  code: string;
  message: string;
}

export interface EndItem {
  type: 'end';
  offset: number;
  finish_reason: FinishReason;
}

export type ControlItem = BlockStartItem | BlockEndItem | UsageItem | ErrorItem | EndItem;
export type Item = TokenItem | ControlItem;
export type ItemType = Item['type'];

export const CONTROL_ITEM_TYPES: readonly ControlItem['type'][] = [
  'block_start',
  'block_end',
  'usage',
  'error',
  'end',
];

export function isControlItemType(value: unknown): value is ControlItem['type'] {
  return typeof value === 'string' && (CONTROL_ITEM_TYPES as readonly string[]).includes(value);
}

/** An item before the log has assigned its offset: what a producer appends. */
export type NewItem = Item extends infer T ? (T extends Item ? Omit<T, 'offset'> : never) : never;

/** Stream status as kept in the stream's metadata. */
export type StreamStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export const STREAM_STATUSES: readonly StreamStatus[] = [
  'queued',
  'running',
  'done',
  'cancelled',
  'failed',
];

export const FINAL_STATUSES: ReadonlySet<StreamStatus> = new Set(['done', 'cancelled', 'failed']);

/** The status a stream takes when its `end` item has this finish reason. */
export function statusForFinish(reason: FinishReason): StreamStatus {
  if (reason === 'cancelled') return 'cancelled';
  if (reason === 'error') return 'failed';
  return 'done';
}

/** Stream ids: `st_` then 22 base64url characters (128 random bits); accepted up to 64. */
export const STREAM_ID_PATTERN = /^st_[A-Za-z0-9_-]{16,64}$/;
/** Subscription ids: `sub_` then base64url, same rule. */
export const SUBSCRIPTION_ID_PATTERN = /^sub_[A-Za-z0-9_-]{16,64}$/;

export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID_PATTERN.test(value);
}

export function isSubscriptionId(value: unknown): value is string {
  return typeof value === 'string' && SUBSCRIPTION_ID_PATTERN.test(value);
}
