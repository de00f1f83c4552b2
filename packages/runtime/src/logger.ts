/**
 * Structured logs: one pino logger per process, JSON lines on stdout.
 *
 * Every line carries the service name; request- and stream-scoped children add `stream`.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(service: string, level = 'info'): Logger {
  return pino({ level, base: { service, pid: process.pid } });
}
