/**
 * The oracle: the items a generation request yields, computed by the worker's own synthetic
 * model with no delays. What the model says does not depend on its timing or the stream id, so
 * this is what every system must deliver for that request.
 */
import type { Item } from '@spool/protocol';
import { createSyntheticAdapter } from '@spool/worker';
import type { CreateRequest } from './assignment.ts';

const instant = createSyntheticAdapter({ tokensPerSecond: 0 });

export async function expectedItems(request: CreateRequest): Promise<Item[]> {
  const items: Item[] = [];
  const params = { ...request.params, tokens_per_second: 0 };
  const generation = instant.generate(
    { streamId: 'st_oracle', messages: [{ role: 'user', content: request.prompt }], params },
    { signal: new AbortController().signal, prefix: [] },
  );
  for await (const item of generation) items.push({ ...item, offset: items.length } as Item);
  return items;
}
