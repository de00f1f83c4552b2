import type { LogLine } from './service-process.ts';

/** pino's numeric levels, as words. */
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
/** Fields every pino line has, or that the short line shows in its own place. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg']);

/**
 * One pino JSON line as a short line for a terminal, prefixed with the process's name:
 * `[worker-1] info worker ready adapter=synthetic concurrency=8`. A line that is not a log
 * line (no level) is printed as it came.
 */
export function formatLogLine(name: string, line: LogLine, text: string): string {
  if (line.level === undefined) return `[${name}] ${text}`;
  const fields = Object.entries(line)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `[${name}] ${LEVELS[line.level] ?? line.level} ${line.msg ?? ''} ${fields.join(' ')}`;
}

/** An `onLog` for `startService` that prints every line of the process `name` to stdout. */
export function logPrinter(name: string): (line: LogLine, text: string) => void {
  return (line, text) => console.log(formatLogLine(name, line, text));
}
