/**
 * Browser origins (`SPOOL_CORS_ORIGINS`): which pages on other origins may call the API, and open
 * WebSockets. Same-origin requests (the demo page the gateway serves itself) are always allowed;
 * a request without `Origin` is not a browser's cross-origin request and is not checked here.
 */

export interface OriginPolicy {
  /** `*`: every origin (no credentials travel in cookies, so this only opens reads to pages). */
  any: boolean;
  /** Allowed origins, normalised (`https://app.example.com`, `http://localhost:3000`). */
  origins: readonly string[];
}

/** A comma-separated allow-list; throws with the entry when one is not an origin. */
export function parseOrigins(value: string): OriginPolicy {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.includes('*')) return { any: true, origins: [] };
  return { any: false, origins: entries.map(normalisedOrigin) };
}

function normalisedOrigin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new Error(`"${entry}" is not an origin such as https://app.example.com`);
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== entry.replace(/\/$/, '')
  ) {
    throw new Error(`"${entry}" is not an origin such as https://app.example.com (no path)`);
  }
  return url.origin;
}

/**
 * Whether a request from `origin` may be served: same-origin (its host is the request's `Host`),
 * or in the allow-list.
 */
export function originAllowed(
  policy: OriginPolicy,
  origin: string,
  host: string | undefined,
): boolean {
  if (policy.any) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && url.host === host.toLowerCase()) return true;
  return policy.origins.includes(url.origin);
}
