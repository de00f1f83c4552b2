import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-printer.ts';

describe('formatLogLine', () => {
  it.each([
    {
      name: 'shows the level word, the message and the fields a pino line adds',
      line: {
        level: 30,
        time: 1,
        pid: 7,
        hostname: 'h',
        service: 'worker',
        msg: 'worker ready',
        concurrency: 8,
      },
      expected: '[worker-1] info worker ready concurrency=8',
    },
    {
      name: 'writes non-string fields as JSON',
      line: { level: 50, msg: 'failed', error: { code: 'x' }, adapter: 'openai' },
      expected: '[worker-1] error failed error={"code":"x"} adapter=openai',
    },
    {
      name: 'keeps an unknown level as its number',
      line: { level: 35, msg: 'odd' },
      expected: '[worker-1] 35 odd ',
    },
    {
      name: 'prints a line without a level as it came',
      line: { msg: 'plain text' },
      expected: '[worker-1] plain text',
    },
  ])('$name', ({ line, expected }) => {
    expect(formatLogLine('worker-1', line, line.msg ?? '')).toBe(expected);
  });
});
