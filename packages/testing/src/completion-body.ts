import type { FakeOpenAIStep, FakeToolCallDelta, FakeUsage } from './fake-openai-script.ts';

/** The non-streaming answer: the steps folded into one `chat.completion`. */
export function completionBody(model: string, steps: readonly FakeOpenAIStep[]): unknown {
  let content = '';
  let reasoning = '';
  let finishReason: string | null = null;
  let usage: FakeUsage | undefined;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const step of steps) {
    if ('content' in step) content += step.content;
    else if ('reasoning' in step) reasoning += step.reasoning;
    else if ('finish' in step) finishReason = step.finish;
    else if ('usage' in step) usage = step.usage;
    else if ('toolCall' in step) foldToolCall(calls, step.toolCall);
  }
  const toolCalls = [...calls.values()].map(({ id, name, arguments: args }) => ({
    id,
    type: 'function',
    function: { name, arguments: args },
  }));
  const message = {
    role: 'assistant',
    content: content === '' && toolCalls.length > 0 ? null : content,
    ...(reasoning === '' ? {} : { reasoning_content: reasoning }),
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
  };
  return {
    id: `chatcmpl-fake${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason ?? 'stop' }],
    ...(usage === undefined ? {} : { usage }),
  };
}

function foldToolCall(
  calls: Map<number, { id: string; name: string; arguments: string }>,
  delta: FakeToolCallDelta,
): void {
  const call = calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
  calls.set(delta.index, {
    id: delta.id ?? call.id,
    name: delta.name ?? call.name,
    arguments: call.arguments + (delta.arguments ?? ''),
  });
}
