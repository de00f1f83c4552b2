import type { NewItem } from '@spool/protocol';
import { type FakeAnthropic, type FakeAnthropicStep, startFakeAnthropic } from '@spool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdapterError, type GenerationRequest } from '../model-adapter.ts';
import {
  ANTHROPIC_VERSION,
  type AnthropicAdapterOptions,
  createAnthropicAdapter,
} from './anthropic-adapter.ts';

let fake: FakeAnthropic;

beforeEach(async () => {
  fake = await startFakeAnthropic();
});

afterEach(async () => {
  await fake.stop();
});

const request: GenerationRequest = {
  streamId: 'st_anthropicadaptertest1',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Oslo?' },
    {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        {
          id: 'toolu_1',
          type: 'function',
          function: { name: 'weather', arguments: '{"city":"Oslo"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: '4 °C' },
  ],
  params: { temperature: 0.2, thinking: { type: 'enabled', budget_tokens: 1024 }, seed: null },
};

function run(
  steps: FakeAnthropicStep[],
  options: Partial<AnthropicAdapterOptions> = {},
  signal = new AbortController().signal,
): Promise<NewItem[]> {
  fake.script(steps);
  const adapter = createAnthropicAdapter({
    baseUrl: fake.baseUrl,
    apiKey: 'sk-ant-test',
    model: 'claude-default',
    defaultMaxTokens: 512,
    byteTimeoutMs: 300,
    ...options,
  });
  return (async () => {
    const items: NewItem[] = [];
    for await (const item of adapter.generate(request, { signal, prefix: [] })) items.push(item);
    return items;
  })();
}

async function failure(steps: FakeAnthropicStep[]): Promise<AdapterError> {
  const error = await run(steps).then(
    () => new Error('expected the generation to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdapterError);
  return error as AdapterError;
}

describe('anthropic adapter', () => {
  it('sends the Messages API request: headers, system, tool use and results, params', async () => {
    await run([{ text: ['Hi'] }, { stop: 'end_turn' }]);
    const [sent] = fake.requests;
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent?.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
    expect(sent?.body).toEqual({
      model: 'claude-default',
      max_tokens: 512,
      temperature: 0.2,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      system: 'Be brief.',
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '4 °C' }],
        },
      ],
    });
  });

  it('maps thinking, text and tool use to blocks, then usage and the finish reason', async () => {
    const items = await run([
      { thinking: ['Let me', ' see.'] },
      { text: ['Cold', '.'] },
      { tool: { id: 'toolu_9', name: 'weather', json: ['{"city"', ': "Oslo"}'] } },
      { stop: 'tool_use', outputTokens: 11 },
    ]);
    expect(items).toEqual([
      { type: 'block_start', block: 0, kind: 'reasoning' },
      { type: 'token', block: 0, text: 'Let me' },
      { type: 'token', block: 0, text: ' see.' },
      { type: 'block_end', block: 0 },
      { type: 'block_start', block: 1, kind: 'text' },
      { type: 'token', block: 1, text: 'Cold' },
      { type: 'token', block: 1, text: '.' },
      { type: 'block_end', block: 1 },
      {
        type: 'block_start',
        block: 2,
        kind: 'tool_call',
        tool: { id: 'toolu_9', name: 'weather' },
      },
      { type: 'token', block: 2, text: '{"city"' },
      { type: 'token', block: 2, text: ': "Oslo"}' },
      { type: 'block_end', block: 2 },
      { type: 'usage', prompt_tokens: 7, completion_tokens: 11, total_tokens: 18 },
      { type: 'end', finish_reason: 'tool_calls' },
    ]);
  });

  it('ends with length at max_tokens and stop otherwise', async () => {
    const maxTokens = await run([{ text: ['a'] }, { stop: 'max_tokens' }]);
    const stopSequence = await run([{ text: ['a'] }, { stop: 'stop_sequence' }]);
    expect(maxTokens.at(-1)).toEqual({ type: 'end', finish_reason: 'length' });
    expect(stopSequence.at(-1)).toEqual({ type: 'end', finish_reason: 'stop' });
  });

  it('names each failure: HTTP status, error event, cut stream, silence', async () => {
    const overloaded = await failure([
      {
        status: 529,
        body: { type: 'error', error: { type: 'overloaded_error', message: 'Busy.' } },
      },
    ]);
    expect(overloaded).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(overloaded.message).toBe('the upstream answered HTTP 529');
    expect(overloaded.detail).toBe('Busy.');
    const refused = await failure([{ status: 400 }]);
    expect(refused).toMatchObject({ code: 'upstream_error', retryable: false });
    const midStream = await failure([
      { text: ['a'] },
      { error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    expect(midStream).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(midStream.message).toBe('the upstream failed mid-stream (overloaded_error)');
    expect(midStream.detail).toBe('Overloaded');
    const cut = await failure([{ text: ['a'] }, { cut: true }]);
    expect(cut.code).toBe('upstream_error');
    const ended = await failure([{ text: ['a'] }]);
    expect(ended.message).toContain('without message_stop');
    const silent = await failure([{ text: ['a'] }, { hang: true }]);
    expect(silent.code).toBe('upstream_timeout');
  });

  it('stops waiting when aborted, with the signal’s reason', async () => {
    const controller = new AbortController();
    const running = run(
      [{ text: ['a'] }, { sleep: 5_000 }],
      { byteTimeoutMs: 10_000 },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    await expect(running).rejects.toThrow('cancelled by test');
  });

  it('cannot continue a prefix', () => {
    const adapter = createAnthropicAdapter({
      baseUrl: fake.baseUrl,
      defaultMaxTokens: 1,
      byteTimeoutMs: 100,
    });
    expect(adapter.canContinue(request)).toBe(false);
  });
});
