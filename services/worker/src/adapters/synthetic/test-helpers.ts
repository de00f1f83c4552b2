/** Shared by the synthetic model's tests: requests, collection and the structure contract. */
import type { Item, NewItem } from '@spool/protocol';
import type { GenerationParams, GenerationRequest, ModelAdapter } from '../model-adapter.ts';
import { MAX_PIECE_LENGTH } from './prose.ts';
import { createSyntheticAdapter } from './synthetic-adapter.ts';

export const PROMPT = 'Explain how a token stream survives a crashed worker.';

/** A request with no delays unless `params` asks for some. */
export function request(params: GenerationParams = {}, prompt = PROMPT): GenerationRequest {
  return {
    streamId: 'st_synthetic_test_0001',
    messages: [{ role: 'user', content: prompt }],
    params: { tokens_per_second: 0, ...params },
  };
}

export async function collect(
  adapter: ModelAdapter,
  generation: GenerationRequest,
  prefix: readonly Item[] = [],
): Promise<NewItem[]> {
  const items: NewItem[] = [];
  const signal = new AbortController().signal;
  for await (const item of adapter.generate(generation, { signal, prefix })) items.push(item);
  return items;
}

const defaultAdapter = createSyntheticAdapter();

export function generate(params: GenerationParams = {}, prompt = PROMPT): Promise<NewItem[]> {
  return collect(defaultAdapter, request(params, prompt));
}

/** The items as the token log would hold them. */
export function withOffsets(items: readonly NewItem[]): Item[] {
  return items.map((item, offset) => ({ ...item, offset }) as Item);
}

export function tokens(items: readonly NewItem[]): Extract<NewItem, { type: 'token' }>[] {
  return items.filter((item) => item.type === 'token');
}

/** The concatenated text of the first block of this kind. */
export function blockText(items: readonly NewItem[], kind: string): string | undefined {
  const start = items.find((item) => item.type === 'block_start' && item.kind === kind);
  if (start?.type !== 'block_start') return undefined;
  return tokens(items)
    .filter((item) => item.block === start.block)
    .map((item) => item.text)
    .join('');
}

export function kinds(items: readonly NewItem[]): string[] {
  return items.flatMap((item) => (item.type === 'block_start' ? [item.kind] : []));
}

/** Every way `items` breaks the adapter contract's structure; empty when it keeps it. */
export function structureProblems(items: readonly NewItem[]): string[] {
  const problems: string[] = [];
  let open: number | undefined;
  let next = 0;
  let count = 0;
  items.forEach((item, index) => {
    const at = `item ${index} (${item.type})`;
    if (item.type === 'block_start') {
      if (open !== undefined || item.block !== next)
        problems.push(`${at} opens block ${item.block}`);
      open = item.block;
      next++;
    } else if (item.type === 'block_end') {
      if (item.block !== open) problems.push(`${at} closes block ${item.block}, open ${open}`);
      open = undefined;
    } else if (item.type === 'token') {
      count++;
      if (item.block !== open) problems.push(`${at} in block ${item.block}, open ${open}`);
      if (item.text.length < 1 || item.text.length > MAX_PIECE_LENGTH) {
        problems.push(`${at} has ${JSON.stringify(item.text)}`);
      }
    } else if (item.type === 'usage') {
      if (open !== undefined) problems.push(`${at} inside block ${open}`);
      if (index !== items.length - 2) problems.push(`${at} is not just before end`);
      if (item.completion_tokens !== count) problems.push(`${at} counts ${item.completion_tokens}`);
      if (item.total_tokens !== item.prompt_tokens + count) problems.push(`${at} total is off`);
    } else if (item.type === 'end') {
      if (index !== items.length - 1) problems.push(`${at} is not the last item`);
    } else {
      problems.push(`${at} is not expected`);
    }
  });
  const order = kinds(items).join(',');
  // A generation cut by max_tokens may lack its last blocks.
  if (!/^(reasoning(,text(,tool_call)?)?|text(,tool_call)?)$/.test(order))
    problems.push(`blocks are ${order}`);
  return problems;
}

export function finishReason(items: readonly NewItem[]): string | undefined {
  const last = items.at(-1);
  return last?.type === 'end' ? last.finish_reason : undefined;
}
