/**
 * Message boundaries (pure). A byte stream stores each POST body as one message; a JSON stream
 * stores each append as one entry holding its values (one level of arrays flattened: `[a, b]`
 * appends a and b, `[]` is refused except at create), kept as `a,b` so that any run of entries
 * joins into one JSON array. Readers of a JSON stream get arrays of values.
 */

export const JSON_MEDIA_TYPE = 'application/json';

export type BodyEntries = { ok: true; entries: Buffer[] } | { ok: false; message: string };

/** The entries a request body appends (none for an empty body). */
export function bodyEntries(body: Buffer, mediaType: string, initial: boolean): BodyEntries {
  if (body.length === 0) return { ok: true, entries: [] };
  if (mediaType !== JSON_MEDIA_TYPE) return { ok: true, entries: [body] };
  const values = jsonValues(body);
  if (values === undefined) return { ok: false, message: 'The body is not JSON.' };
  if (values.length === 0) {
    return initial
      ? { ok: true, entries: [] }
      : { ok: false, message: 'Empty arrays are refused.' };
  }
  return { ok: true, entries: [Buffer.from(values.join(','), 'utf8')] };
}

/** A JSON body's values, each re-serialized; undefined when it is not JSON. */
function jsonValues(body: Buffer): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return Array.isArray(parsed)
    ? parsed.map((value) => JSON.stringify(value))
    : [JSON.stringify(parsed)];
}

/** A read's body: a JSON array of the entries' values, or the entries' bytes back to back. */
export function responseBody(entries: readonly Buffer[], mediaType: string): Buffer {
  if (mediaType !== JSON_MEDIA_TYPE) return Buffer.concat(entries);
  const parts = entries.filter((entry) => entry.length > 0).map((entry) => entry.toString('utf8'));
  return Buffer.from(`[${parts.join(',')}]`, 'utf8');
}

/**
 * A fork's first own message at a sub-offset into the source's next message: its first `sub`
 * bytes, or (JSON) its first `sub` values. undefined when `sub` overshoots it.
 */
export function subOffsetPrefix(entry: Buffer, sub: number, mediaType: string): Buffer | undefined {
  if (mediaType !== JSON_MEDIA_TYPE) return sub > entry.length ? undefined : entry.subarray(0, sub);
  const values = JSON.parse(`[${entry.toString('utf8')}]`) as unknown[];
  if (sub > values.length) return undefined;
  return Buffer.from(
    values
      .slice(0, sub)
      .map((value) => JSON.stringify(value))
      .join(','),
    'utf8',
  );
}
