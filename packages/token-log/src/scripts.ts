/**
 * Loads the Lua scripts of `lua/` once and registers them on a client as commands.
 *
 * Redis Lua has no includes: a line `--- @include "name"` in a script is replaced by
 * `lua/include/name.lua` (once per script, includes of includes too) when the script is loaded.
 * ioredis runs a defined command with EVALSHA and falls back to EVAL when the server lost its
 * script cache (after a restart), so callers never see NOSCRIPT.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

const SCRIPTS = {
  createStream: { file: 'create-stream.lua', keys: 1 },
  appendItems: { file: 'append-items.lua', keys: 3 },
  readItems: { file: 'read-items.lua', keys: 2 },
  claimAttempt: { file: 'claim-attempt.lua', keys: 1 },
  cancelStream: { file: 'cancel-stream.lua', keys: 3 },
  trimStream: { file: 'trim-stream.lua', keys: 3 },
  createSubscription: { file: 'create-subscription.lua', keys: 3 },
  readSubscription: { file: 'read-subscription.lua', keys: 3 },
  ackSubscription: { file: 'ack-subscription.lua', keys: 3 },
  takeOverSubscription: { file: 'take-over-subscription.lua', keys: 3 },
  deleteSubscription: { file: 'delete-subscription.lua', keys: 2 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

type ScriptArgument = string | number;
type ScriptCommand = (...args: ScriptArgument[]) => Promise<unknown>;

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

let sources: ReadonlyMap<ScriptName, string> | undefined;

/** Every script's source with its includes in place, by name: what is sent to Redis. */
export function scriptSources(): ReadonlyMap<ScriptName, string> {
  if (!sources) {
    const assembled = new Map<ScriptName, string>();
    for (const [name, script] of Object.entries(SCRIPTS)) {
      assembled.set(name as ScriptName, assemble(script.file, new Set()));
    }
    sources = assembled;
  }
  return sources;
}

/** A file of `lua/` with its includes replaced by their text; `included` stops repeats and cycles. */
function assemble(file: string, included: Set<string>): string {
  const source = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  return source.replace(INCLUDE, (_marker, name: string) => {
    if (included.has(name)) return `-- (${name} is included above)`;
    included.add(name);
    return assemble(`include/${name}.lua`, included);
  });
}

export class Scripts {
  readonly #client: RedisClient;

  constructor(client: RedisClient) {
    this.#client = client;
    for (const [name, lua] of scriptSources()) {
      const commandName = `spool_${name}`;
      if (!(commandName in client)) {
        client.defineCommand(commandName, { numberOfKeys: SCRIPTS[name].keys, lua });
      }
    }
  }

  /** Runs a script: `keys` first (as many as the script declares), then its arguments. */
  run(
    name: ScriptName,
    keys: readonly string[],
    args: readonly ScriptArgument[],
  ): Promise<unknown> {
    const command = (this.#client as unknown as Record<string, ScriptCommand>)[`spool_${name}`];
    if (!command) throw new Error(`Script ${name} is not loaded`);
    return command.call(this.#client, ...keys, ...args);
  }
}
