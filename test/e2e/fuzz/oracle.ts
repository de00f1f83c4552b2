/**
 * The fuzz suite's oracle: what a gateway may answer. Every error must be documented — its code a
 * row of the error table in docs/protocol.md section 7 (the table in `@spool/protocol`'s
 * `ERROR_CODES`, which packages/protocol/src/errors-documented.test.ts keeps equal to the docs;
 * `documentedCodes()` reads the docs again, so this oracle cannot drift from them either), its
 * HTTP status the one the table gives the code, its body Spool's error shape (section 3) or, on
 * `POST /v1/messages`, the Messages API's (section 10). No `internal` at all.
 */
import { readFileSync } from 'node:fs';
import { ERROR_CODES, type ErrorCode, isErrorCode } from '@spool/protocol';

/** Which body an error has: Spool's own (and OpenAI's route, section 8) or Anthropic's. */
export type Surface = 'spool' | 'anthropic';

/** What a case expects: success statuses, error codes (either is fine), or whatever is documented. */
export interface Expectation {
  ok?: readonly number[];
  codes?: readonly ErrorCode[];
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Codes a gateway sends (the SDK's own network codes excluded), from the docs' table. */
export function documentedCodes(): Map<string, number> {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)];
  const documented = new Map(rows.map((row) => [row[1] as string, Number(row[2])]));
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    if ('client' in spec) continue;
    if (documented.get(code) !== spec.status)
      throw new Error(`${code}: docs/protocol.md section 7 and ERROR_CODES disagree`);
  }
  return documented;
}

const DOCUMENTED = documentedCodes();

/** Anthropic's error type for a code, as docs/protocol.md section 10 lists them. */
export function anthropicTypeOf(code: string): string {
  const types: Record<string, string> = {
    unauthorized: 'authentication_error',
    forbidden: 'permission_error',
    route_not_found: 'not_found_error',
    stream_not_found: 'not_found_error',
    subscription_not_found: 'not_found_error',
    payload_too_large: 'request_too_large',
    quota_exceeded: 'rate_limit_error',
    over_capacity: 'overloaded_error',
    draining: 'overloaded_error',
    redis_unavailable: 'overloaded_error',
    upstream_timeout: 'timeout_error',
    generation_timeout: 'timeout_error',
  };
  const status = ERROR_CODES[code as ErrorCode]?.status ?? 500;
  return types[code] ?? (status < 500 ? 'invalid_request_error' : 'api_error');
}

/**
 * The problem with an HTTP answer, or undefined when it is documented and what `expected` allows.
 * `expected.ok` empty and `expected.codes` given: the request is invalid by construction.
 */
export function httpProblem(
  answer: HttpAnswer,
  surface: Surface,
  expected: Expectation,
): string | undefined {
  if (answer.headers['x-request-id'] === undefined) return 'no x-request-id header';
  if (answer.status < 400) {
    if (expected.ok === undefined || expected.ok.includes(answer.status)) return undefined;
    return `answered ${answer.status}, expected ${expected.codes?.join(' | ') ?? expected.ok.join(' | ')}`;
  }
  const error = errorOf(answer.body, surface);
  if (typeof error === 'string') return error;
  const { code, message } = error;
  if (!isErrorCode(code) || !DOCUMENTED.has(code)) return `undocumented code ${code}`;
  if (code === 'internal') return `internal: ${message}`;
  if (DOCUMENTED.get(code) !== answer.status)
    return `${code} answered with ${answer.status}, the table says ${DOCUMENTED.get(code)}`;
  if (typeof message !== 'string' || message === '') return `${code} without a message`;
  if (message.length > 1_000) return `${code}: a message of ${message.length} characters`;
  if (answer.status === 429 && answer.headers['retry-after'] === undefined)
    return `${code} without Retry-After`;
  if (expected.codes === undefined || expected.codes.includes(code)) return undefined;
  return `answered ${code} (${message}), expected ${[...expected.codes, ...(expected.ok ?? [])].join(' | ')}`;
}

function errorOf(body: string, surface: Surface): { code: unknown; message: unknown } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `an error whose body is not JSON: ${JSON.stringify(body.slice(0, 200))}`;
  }
  const object = parsed as { type?: unknown; error?: Record<string, unknown> } | null;
  const error = object?.error;
  if (typeof error !== 'object' || error === null)
    return `not an error body: ${body.slice(0, 200)}`;
  if (surface === 'anthropic') {
    if (object?.type !== 'error') return `not Anthropic's error body: ${body.slice(0, 200)}`;
    if (error.type !== anthropicTypeOf(String(error.code)))
      return `Anthropic type ${String(error.type)} for ${String(error.code)}`;
  } else if (Object.keys(object ?? {}).length !== 1) {
    return `extra fields beside error: ${body.slice(0, 200)}`;
  }
  return { code: error.code, message: error.message };
}

/** The problem with an SSE body (events of a stream, a streaming chat answer), if any. */
export function sseProblem(body: string): string | undefined {
  // `event: error` of every format, and OpenAI's `data: {"error": …}` (section 8).
  // Only whole events: a response cut after `sseMs` may end inside one.
  const whole = body.slice(0, body.lastIndexOf('\n\n') + 1);
  const events = [
    ...whole.matchAll(/^event: error\ndata: (.*)$/gm),
    ...whole.matchAll(/^data: (\{"error".*)$/gm),
  ];
  for (const match of events) {
    const data = JSON.parse(match[1] as string) as Record<string, unknown>;
    const inner = (data.error ?? data) as { code?: unknown };
    const code = String(inner.code);
    if (!DOCUMENTED.has(code) || code === 'internal') return `SSE error event ${match[1]}`;
  }
  return undefined;
}
