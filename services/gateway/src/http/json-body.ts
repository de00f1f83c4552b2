/**
 * The gateway's JSON body parser: fastify's own (it keeps its `__proto__` and `constructor`
 * checks) behind a nesting limit. A body nested thousands deep made a route's validation
 * overflow the stack (500); no Spool body needs more than a few levels (tool schemas a few more),
 * so anything past `MAX_JSON_DEPTH` is `400 invalid_request` before it is parsed.
 */
import { SpoolError } from '@spool/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const MAX_JSON_DEPTH = 64;

/** Whether `text`'s arrays and objects nest deeper than `max` (strings are skipped). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return false;
}

type Done = (error: Error | null, body?: unknown) => void;

/**
 * fastify's parser refuses a `__proto__` key, or a `constructor` key holding `prototype`, with
 * the error it gives text that is not JSON at all: say which rule the body broke instead.
 */
function prototypeRefusal(): SpoolError {
  return new SpoolError(
    'invalid_request',
    'The body has a "__proto__" key, or a "constructor" key holding "prototype": refused.',
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the JSON parser on `scope` for `contentType` (default `application/json`); `lenient`:
 * an empty body parses to undefined (many clients send `Content-Type: application/json` with no
 * body), else it is fastify's own error.
 */
export function installJsonParser(
  scope: FastifyInstance,
  options: { lenient: boolean; contentType?: string },
): void {
  const contentType = options.contentType ?? 'application/json';
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser(contentType);
  scope.addContentTypeParser(
    contentType,
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: Done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (options.lenient && text.trim() === '') {
        done(null, undefined);
        return;
      }
      if (jsonTooDeep(text)) {
        done(
          new SpoolError('invalid_request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels.`),
        );
        return;
      }
      parseJson(request, text, (error, parsed) =>
        done(error && isJson(text) ? prototypeRefusal() : error, parsed),
      );
    },
  );
}
