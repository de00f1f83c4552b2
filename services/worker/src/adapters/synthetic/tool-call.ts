/**
 * Tool calls for the synthetic model: one of a few plausible functions with JSON arguments,
 * written the way models write them (`{"city": "Paris", "unit": "celsius"}`).
 */
import type { Random } from './random.ts';
import { ADJECTIVES, NOUNS } from './vocabulary.ts';

export interface SyntheticToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text; the block's tokens concatenate to exactly this. */
  arguments: string;
}

type Arguments = Record<string, string | number>;

const CITIES = ['Paris', 'Tokyo', 'Lagos', 'Lima', 'Oslo', 'Mumbai', 'Toronto', 'Sydney'];
const TIMEZONES = ['Europe/Paris', 'Asia/Tokyo', 'America/New_York', 'Australia/Sydney', 'UTC'];
const CURRENCIES = ['EUR', 'USD', 'JPY', 'GBP', 'INR', 'CAD'];

const TOOLS: Readonly<Record<string, (random: Random) => Arguments>> = {
  get_weather: (random) => ({
    city: random.pick(CITIES),
    unit: random.pick(['celsius', 'fahrenheit']),
  }),
  search_web: (random) => ({
    query: `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)} ${random.pick(NOUNS)}`,
    max_results: random.int(3, 10),
  }),
  get_time: (random) => ({ timezone: random.pick(TIMEZONES) }),
  convert_currency: (random) => ({
    amount: random.int(1, 5_000),
    from: random.pick(CURRENCIES),
    to: random.pick(CURRENCIES),
  }),
  lookup_order: (random) => ({ order_id: `A-${random.int(10_000, 99_999)}` }),
};

const TOOL_LIST = Object.entries(TOOLS);

export const TOOL_NAMES: readonly string[] = Object.keys(TOOLS);

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createToolCall(random: Random): SyntheticToolCall {
  let id = 'call_';
  for (let index = 0; index < 24; index++) id += ID_ALPHABET.charAt(random.int(0, 61));
  const [name, build] = random.pick(TOOL_LIST);
  const body = Object.entries(build(random)).map(
    ([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  return { id, name, arguments: `{${body.join(', ')}}` };
}
