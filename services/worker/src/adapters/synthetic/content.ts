/**
 * What the synthetic model says: the items of one generation, with no timing. A pure function
 * of its spec, so a continuation can regenerate the items an earlier attempt appended. The
 * items come lazily, so a generation stopped early costs only what it produced.
 */
import type { BlockKind, NewItem, ToolCallInfo } from '@spool/protocol';
import { prosePieces, textPieces } from './prose.ts';
import { Random } from './random.ts';
import { createToolCall } from './tool-call.ts';

export interface ContentSpec {
  /** Seed of the content's randomness (from the messages and `params.seed`). */
  seed: number;
  /** Whether to think first; left to chance when undefined. */
  reasoning: boolean | undefined;
  /** Whether to end with a tool call. */
  tools: boolean;
  /** When set, the generation has exactly this many token items and ends with `length`. */
  maxTokens: number | undefined;
  /** Range of the token count when `maxTokens` is not set. */
  defaultTokens: readonly [number, number];
  promptTokens: number;
}

/** Chance of a reasoning block when the request does not say. */
export const REASONING_PROBABILITY = 0.3;

interface BlockPlan {
  kind: BlockKind;
  tool?: ToolCallInfo;
  pieces: Iterable<string>;
}

export function* contentItems(spec: ContentSpec): Generator<NewItem, void, undefined> {
  const limit = spec.maxTokens ?? Number.POSITIVE_INFINITY;
  const blocks = planBlocks(new Random(spec.seed), spec);
  let tokens = 0;
  let block = 0;
  for (const plan of blocks) {
    if (tokens >= limit) break;
    yield plan.tool === undefined
      ? { type: 'block_start', block, kind: plan.kind }
      : { type: 'block_start', block, kind: plan.kind, tool: plan.tool };
    for (const text of plan.pieces) {
      if (tokens >= limit) break;
      yield { type: 'token', block, text };
      tokens++;
    }
    yield { type: 'block_end', block };
    block++;
  }
  yield {
    type: 'usage',
    prompt_tokens: spec.promptTokens,
    completion_tokens: tokens,
    total_tokens: spec.promptTokens + tokens,
  };
  const toolCall = blocks.some((plan) => plan.kind === 'tool_call');
  const finish = tokens >= limit ? 'length' : toolCall ? 'tool_calls' : 'stop';
  yield { type: 'end', finish_reason: finish };
}

/**
 * Splits the token budget among the blocks. The prose blocks end at a sentence's end once they
 * reach their share, so without `maxTokens` the total slightly exceeds the budget; with it, the
 * budget is exactly `maxTokens` and the cut in `contentItems` always falls.
 */
function planBlocks(random: Random, spec: ContentSpec): BlockPlan[] {
  const reasoning = spec.reasoning ?? random.chance(REASONING_PROBABILITY);
  const [minTokens, maxTokens] = spec.defaultTokens;
  const budget = spec.maxTokens ?? random.int(minTokens, maxTokens);
  const toolCall = spec.tools ? createToolCall(random) : undefined;
  const toolPieces = toolCall === undefined ? [] : textPieces(toolCall.arguments);
  const proseBudget = Math.max(1, budget - toolPieces.length);
  const reasoningShare = reasoning ? Math.round(proseBudget * (0.2 + 0.25 * random.next())) : 0;
  const plans: BlockPlan[] = [];
  if (reasoning) {
    const share = Math.max(1, reasoningShare);
    plans.push({ kind: 'reasoning', pieces: prosePieces(random, 'thinking', share) });
  }
  const textShare = Math.max(1, proseBudget - reasoningShare);
  plans.push({ kind: 'text', pieces: prosePieces(random, 'answer', textShare) });
  if (toolCall !== undefined) {
    const tool = { id: toolCall.id, name: toolCall.name };
    plans.push({ kind: 'tool_call', tool, pieces: toolPieces });
  }
  return plans;
}
