/**
 * Loads the scripts of script-table.ts once per client and runs them.
 *
 * Redis Lua has no includes: a line `--- @include "name"` in a script is replaced by
 * `lua/include/name.lua` (once per script, includes of includes too) when the script is loaded.
 * ioredis runs a defined command with EVALSHA and falls back to EVAL when the server lost its
 * script cache (after a restart), so callers never see NOSCRIPT.
 */
import { readFileSync } from 'node:fs';
import { SpoolError } from '@spool/protocol';
import type { RedisClient } from './connect.ts';
import { mapRedisErrors } from './errors.ts';
import type { StreamKeys } from './redis-keys.ts';
import { ReplyShapeError } from './script-reply.ts';
import {
  SCRIPTS,
  type ScriptArgument,
  type ScriptInput,
  type ScriptName,
  type ScriptOutput,
} from './script-table.ts';

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

let sources: ReadonlyMap<ScriptName, string> | undefined;

/** Every script's source with its includes in place, by name: what is sent to Redis. */
export function scriptSources(): ReadonlyMap<ScriptName, string> {
  if (!sources) {
    const assembled = new Map<ScriptName, string>();
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      assembled.set(name, assemble(SCRIPTS[name].file, new Set()));
    }
    sources = assembled;
  }
  return sources;
}

/** A file of `lua/` with its includes in place, for the scripts outside the stream table (quotas). */
export function scriptSource(file: string): string {
  return assemble(file, new Set());
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

type ScriptCommand = (...args: ScriptArgument[]) => Promise<unknown>;

export class Scripts {
  readonly #client: RedisClient;

  constructor(client: RedisClient) {
    this.#client = client;
    for (const [name, lua] of scriptSources()) {
      const commandName = commandOf(name);
      if (!(commandName in client)) {
        client.defineCommand(commandName, { numberOfKeys: SCRIPTS[name].keys.length, lua });
      }
    }
  }

  /** Runs a script on the keys of one stream; its reply checked and typed, its failure mapped. */
  async run<Name extends ScriptName>(
    name: Name,
    keys: StreamKeys,
    input: ScriptInput<Name>,
  ): Promise<ScriptOutput<Name>> {
    const definition = SCRIPTS[name];
    // defineCommand adds the command as a method that ioredis's types cannot know.
    const command = (this.#client as unknown as Record<string, ScriptCommand>)[commandOf(name)];
    if (!command) throw new SpoolError('internal', `Script ${name} is not loaded.`);
    const scriptKeys = definition.keys.map((key) => keys[key]);
    const reply = await mapRedisErrors(() =>
      command.call(this.#client, ...scriptKeys, ...definition.arguments(input, keys)),
    );
    try {
      return definition.decode(reply);
    } catch (error) {
      if (!(error instanceof ReplyShapeError)) throw error;
      throw new SpoolError(
        'internal',
        `Script ${name} (${definition.file}) replied in an unexpected shape: ${error.message}`,
        { cause: error },
      );
    }
  }
}

function commandOf(name: ScriptName): string {
  return `spool_${name}`;
}
