/**
 * The gateways a client may use: one load-balanced URL, or a list to rotate through on failure.
 * Any gateway serves any stream (SPEC section 2), so moving on is always safe; the list only
 * remembers which one last worked, so later requests start there.
 */
import { SpoolError } from '@spool/protocol';

export class GatewayList {
  readonly urls: readonly string[];
  #preferred = 0;

  constructor(baseUrl: string | readonly string[]) {
    const list = typeof baseUrl === 'string' ? [baseUrl] : [...baseUrl];
    if (list.length === 0)
      throw new SpoolError('invalid_request', 'baseUrl: give at least one URL.');
    this.urls = list.map(normalizeBaseUrl);
  }

  /** The index of the gateway new requests start with. */
  get preferred(): number {
    return this.#preferred;
  }

  url(index: number): string {
    return this.urls[index % this.urls.length] ?? '';
  }

  /** The gateway after `index`, which also becomes the preferred one if `index` was. */
  next(index: number): number {
    const next = (index + 1) % this.urls.length;
    if (this.#preferred === index % this.urls.length) this.#preferred = next;
    return next;
  }

  /** `index` worked: later requests start there. */
  worked(index: number): void {
    this.#preferred = index % this.urls.length;
  }
}

/** `http(s)://host[:port][/prefix]` without a trailing slash, or `invalid_request`. */
export function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SpoolError('invalid_request', `baseUrl: not a URL: ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SpoolError('invalid_request', `baseUrl: expected http(s), got ${parsed.protocol}`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}
