/**
 * Hand-written field checks for the decoders on the SDK's path (server frames, SSE events).
 * They answer exactly what the zod schemas of `schemas.ts` answer, without zod, which would
 * otherwise be most of the browser bundle.
 *
 * A reader checks the fields of one JSON object as they are read and keeps the first one
 * that is wrong, as zod reports the first issue of an object in the order of its shape: read
 * the fields in the order the schema lists them. Every read returns a value of the right type
 * (a placeholder when the field is wrong), so a decoder builds its result as one literal and
 * `result` answers it, or the ProtocolError naming the first wrong field.
 */
import { isJsonObject, type JsonObject } from './json-object.ts';
import { type FieldErrorOptions, fieldError, type Result } from './protocol-error.ts';

/** A non-negative safe integer, as `z.int().min(0)` accepts it (`-0` included). */
export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

interface FieldIssue {
  path: PropertyKey[];
  message: string;
}

export class FieldReader {
  readonly #fields: JsonObject;
  #issue: FieldIssue | undefined;

  constructor(fields: JsonObject) {
    this.#fields = fields;
  }

  /** A non-negative safe integer: an offset, a block index, a token count. */
  integer(key: string): number {
    const value = this.#fields[key];
    if (isNonNegativeInteger(value)) return value;
    this.fail([key], 'expected a non-negative integer');
    return 0;
  }

  string(key: string): string {
    const value = this.#fields[key];
    if (typeof value === 'string') return value;
    this.fail([key], 'expected a string');
    return '';
  }

  nonEmptyString(key: string): string {
    const value = this.#fields[key];
    if (typeof value === 'string' && value.length > 0) return value;
    this.fail([key], 'expected a non-empty string');
    return '';
  }

  boolean(key: string): boolean {
    const value = this.#fields[key];
    if (typeof value === 'boolean') return value;
    this.fail([key], 'expected a boolean');
    return false;
  }

  /** One of `values`; `message` says what else is wrong (default: the list of values). */
  oneOf<T extends string>(key: string, values: readonly T[], message?: string): T {
    const value = this.#fields[key];
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
      return value as T;
    }
    this.fail([key], message ?? `expected one of ${values.join(', ')}`);
    return values[0] as T;
  }

  /** An optional nested object, read by `read` with a reader of its own; absent is undefined. */
  optionalObject<T>(key: string, read: (fields: FieldReader) => T): T | undefined {
    const value = this.#fields[key];
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) {
      this.fail([key], 'expected an object');
      return undefined;
    }
    return this.object(key, read);
  }

  /** A nested object, read by `read` with a reader of its own (given `{}` when it is none). */
  object<T>(key: string, read: (fields: FieldReader) => T): T {
    const value = this.#fields[key];
    if (!isJsonObject(value)) this.fail([key], 'expected an object');
    const nested = new FieldReader(isJsonObject(value) ? value : {});
    const result = read(nested);
    const issue = nested.#issue;
    if (issue !== undefined) this.fail([key, ...issue.path], issue.message);
    return result;
  }

  /** Records that the field at `path` is wrong, unless an earlier field already was. */
  fail(path: PropertyKey[], message: string): void {
    this.#issue ??= { path, message };
  }

  /** `value`, or the error naming the first wrong field. */
  result<T>(value: T, options: FieldErrorOptions): Result<T> {
    const issue = this.#issue;
    if (issue === undefined) return { ok: true, value };
    return { ok: false, error: fieldError(issue.path, issue.message, options) };
  }
}
