import type { ServerResponse } from 'node:http';
import type { ChunkStep, FakeToolCallDelta, RequestedAnswer } from './fake-openai-script.ts';

/** Writes steps as `chat.completion.chunk` events shaped like OpenAI's. */
export class CompletionChunkWriter {
  private readonly id = `chatcmpl-fake${Math.random().toString(36).slice(2, 12)}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly model: string;
  private readonly includeUsage: boolean;
  private roleSent = false;

  private readonly response: ServerResponse;

  constructor(response: ServerResponse, answer: RequestedAnswer) {
    this.response = response;
    this.model = answer.model;
    this.includeUsage = answer.includeUsage;
  }

  write(step: ChunkStep): void {
    if ('keepalive' in step) this.response.write(': keepalive\n\n');
    else if ('malformed' in step) this.response.write(`data: ${step.malformed}\n\n`);
    else if ('usage' in step) this.send({ ...this.envelope(), choices: [], usage: step.usage });
    else if ('finish' in step) this.send(this.chunk({}, step.finish));
    else this.send(this.chunk(this.delta(step), null));
  }

  private delta(
    step: { content: string } | { reasoning: string } | { toolCall: FakeToolCallDelta },
  ) {
    const role = this.roleSent ? {} : { role: 'assistant' };
    this.roleSent = true;
    if ('content' in step) return { ...role, content: step.content };
    if ('reasoning' in step) return { ...role, reasoning_content: step.reasoning };
    return { ...role, tool_calls: [toolCallDelta(step.toolCall)] };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null) {
    const usage = this.includeUsage ? { usage: null } : {};
    const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return { ...this.envelope(), choices: [choice], ...usage };
  }

  private envelope() {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
    };
  }

  private send(chunk: unknown): void {
    this.response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}

/** As OpenAI sends it: `id`, `type` and `name` on a call's first delta, then arguments only. */
function toolCallDelta(call: FakeToolCallDelta): Record<string, unknown> {
  const head = call.id === undefined ? {} : { id: call.id, type: 'function' };
  const name = call.name === undefined ? {} : { name: call.name };
  return { index: call.index, ...head, function: { ...name, arguments: call.arguments ?? '' } };
}
