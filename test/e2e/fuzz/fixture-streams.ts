/**
 * The streams the fuzz cases aim at, made through the gateway as any client would: six of the
 * fuzz key (ended, 8–23 items), one of another key, and a subscription on the first.
 */
import { type Fixtures, FUZZ_KEY, OTHER_KEY, type OwnedStream } from './fixtures.ts';

async function call(
  url: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function ended(url: string, key: string, maxTokens: number): Promise<OwnedStream> {
  const created = await call(url, '/v1/streams', key, {
    prompt: 'A fixture of the fuzz suite.',
    params: { max_tokens: maxTokens, tokens_per_second: 1_000 },
  });
  const id = String(created.id);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const meta = await call(url, `/v1/streams/${id}`, key);
    if (meta.status === 'done') {
      const items = await call(url, `/v1/streams/${id}/items?limit=1`, key);
      return {
        id,
        token: String(created.read_token),
        length: Number(meta.length),
        epoch: String(items.epoch),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fixture stream ${id} did not end in 30 s`);
}

/** How many streams `makeFixtures` creates. */
export const FIXTURE_STREAMS = 7;

export async function makeFixtures(url: string): Promise<Fixtures> {
  const owned = await Promise.all(
    [4, 6, 8, 10, 15, 20].map((tokens) => ended(url, FUZZ_KEY, tokens)),
  );
  const foreign = await ended(url, OTHER_KEY, 4);
  const first = owned[0] as OwnedStream;
  const subscription = await call(url, `/v1/streams/${first.id}/subscriptions`, FUZZ_KEY, {});
  return { owned, foreign, subscription: String(subscription.subscription) };
}
