/**
 * Zod schemas → `Result`: what the gateway's input parsers (HTTP bodies and queries, client
 * frames) use. The SDK never loads this module's callers: its decoders check fields by hand
 * (`field-reader.ts`), so that zod stays out of the browser bundle.
 */
import type { z } from 'zod';
import {
  type FieldErrorOptions,
  fieldError,
  type ProtocolError,
  protocolError,
  type Result,
} from './protocol-error.ts';

/** Turns the first zod issue into a ProtocolError whose message names the wrong field. */
export function errorFromIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FieldErrorOptions,
): ProtocolError {
  const first = issues[0];
  const issue = first === undefined ? undefined : closestUnionIssue(first);
  if (issue === undefined) {
    return protocolError(options.code, `${options.subject} is invalid`, options.stream);
  }
  return fieldError(issue.path, issue.message, options);
}

/**
 * For a union that failed, the issue of the option the input was evidently meant for (the
 * one that failed below its root, e.g. `{maxItems: 0}` for an object option), so the message
 * names `chunking.maxItems` rather than just "chunking: Invalid input".
 */
function closestUnionIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  for (const option of issue.errors) {
    const inner = option[0];
    if (inner !== undefined && inner.path.length > 0) {
      return { ...inner, path: [...issue.path, ...inner.path] };
    }
  }
  return issue;
}

/**
 * Validates `value` with `schema` and answers a Result instead of throwing.
 * `code` is the code for a wrong field that FIELD_CODES does not name; `subject` names the
 * whole input in messages ("body", "frame", "query").
 */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  options: FieldErrorOptions,
): Result<z.output<Schema>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: errorFromIssues(parsed.error.issues, options) };
}
