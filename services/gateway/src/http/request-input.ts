/**
 * What the stream and subscription routes share: parsing path parameters and bodies into
 * Spool errors, and a JSON parser that takes an empty body as no body.
 */
import {
  CREATE_LIMITS,
  type ErrorCode,
  isStreamId,
  isSubscriptionId,
  SpoolError,
  validate,
} from '@spool/protocol';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { valueOrThrow } from './errors.ts';
import { installJsonParser } from './json-body.ts';

export interface StreamParams {
  id: string;
}

export interface SubscriptionParams extends StreamParams {
  sub: string;
}

/** The `:id` of a route, or 400 `invalid_stream_id`. */
export function parseStreamId(params: { id?: unknown }): string {
  if (isStreamId(params.id)) return params.id;
  throw new SpoolError('invalid_stream_id', `Not a valid stream id: ${describe(params.id)}.`);
}

/** The `:sub` of a route, or 400 `invalid_subscription_id`. */
export function parseSubscriptionId(params: { sub?: unknown }): string {
  if (isSubscriptionId(params.sub)) return params.sub;
  throw new SpoolError(
    'invalid_subscription_id',
    `Not a valid subscription id: ${describe(params.sub)}.`,
  );
}

/**
 * A body or query string validated by one of the protocol's schemas, or a 400 whose message
 * names the field (`messages[0].role: …`) and whose code is the field's (`from` →
 * `invalid_offset`) or `code`.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  subject: 'body' | 'query',
  code: ErrorCode = 'invalid_request',
): z.output<Schema> {
  return valueOrThrow(validate(schema, value, { code, subject }));
}

/**
 * Registers routes in a scope whose JSON parser reads an empty body (`Content-Type:
 * application/json` and nothing else, as many clients send for a bodiless POST) as no body,
 * where fastify's own parser refuses it. Everything else goes to json-body.ts's parser.
 */
export function registerWithLenientJson(
  app: FastifyInstance,
  register: (scope: FastifyInstance) => void,
): void {
  app.register(async (scope) => {
    installJsonParser(scope, { lenient: true });
    register(scope);
  });
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * For bodies whose other fields pass through to the model adapter (the OpenAI and Anthropic
 * surfaces): at most `CREATE_LIMITS.paramEntries` of them, names at most
 * `CREATE_LIMITS.paramKeyLength` characters. For a zod `superRefine`.
 */
export function checkPassThroughFields(
  ownFields: ReadonlySet<string>,
): (body: Record<string, unknown>, context: z.RefinementCtx) => void {
  const own = [...ownFields].join(', ');
  return (body, context) => {
    const extra = Object.keys(body).filter((key) => !ownFields.has(key));
    if (extra.length > CREATE_LIMITS.paramEntries) {
      context.addIssue({
        code: 'custom',
        message: `at most ${CREATE_LIMITS.paramEntries} fields besides ${own}`,
        path: [],
      });
    }
    for (const key of extra) {
      if (key.length > CREATE_LIMITS.paramKeyLength) {
        context.addIssue({
          code: 'custom',
          message: `field names are at most ${CREATE_LIMITS.paramKeyLength} characters`,
          path: [key],
        });
      }
    }
  };
}
