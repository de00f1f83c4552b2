/**
 * Reading configuration from the environment: once, at start, with a schema.
 *
 * A bad value stops the process with a message naming the variable (SPEC section 8); the
 * result is frozen so nothing can change it later.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An integer variable within bounds, e.g. `integer(1, 10_000, 64)`. */
export function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);
}

/** A duration variable in ms: `250`, `250ms`, `15s`, `10m`, `24h`, `7d`. */
export function duration(minMs: number, maxMs: number, fallbackMs: number) {
  return z
    .string()
    .trim()
    .transform((text, context) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        context.addIssue({ code: 'custom', message: 'must be a duration such as 500ms, 15s, 24h' });
        return z.NEVER;
      }
      return ms;
    })
    .pipe(z.number().min(minMs).max(maxMs))
    .optional()
    .transform((value) => value ?? fallbackMs);
}

export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) {
  return z
    .enum(values)
    .optional()
    .transform((value) => value ?? fallback);
}

export function text(fallback: string) {
  return z
    .string()
    .trim()
    .min(1)
    .optional()
    .transform((value) => value ?? fallback);
}

/**
 * Parses `env` with a schema keyed by variable name. Throws one ConfigError listing every bad
 * variable (`SPOOL_PORT: must be an integer (got "eighty")`).
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined>,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const present = Object.fromEntries(
    Object.keys(shape).flatMap((name) => {
      const value = env[name];
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      const got = present[name] === undefined ? '' : ` (got ${JSON.stringify(present[name])})`;
      return `${name}: ${issue.message}${got}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(result.data);
}

/**
 * Loads a service's configuration or stops the process: a bad value prints the message naming
 * every bad variable and exits with status 2 (SPEC section 8).
 */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
