#!/usr/bin/env node
/**
 * `spool` — the command line client.
 *
 *   spool create "prompt" [--max-tokens N] [--seed N] [--model M]   create a stream, print its tokens
 *   spool tail <stream-id> [--from N | --subscription sub_…]        print a stream from an offset
 *   spool cancel <stream-id>                                         stop a generation
 *   spool get <stream-id>                                            print its metadata as JSON
 *
 * Common: --url (or SPOOL_URL; several, comma-separated, are tried in turn), --transport
 * auto|ws|sse|grpc (grpc: --grpc host:port[,…] or SPOOL_GRPC, the gateways' SPOOL_GRPC_PORT;
 * create and tail go over gRPC, cancel and get over HTTP), --progress (stats on stderr even when it is not a terminal), --quiet, --json
 * (one JSON chunk per line instead of text), --api-key (or SPOOL_API_KEY) and --token (a stream's
 * read token, for tail and get) for a gateway with access control on. Exit codes: see exit-codes.ts.
 */
import { parseArgs } from 'node:util';
import { SpoolClient, type SpoolStream } from '@spool/client';
import { type Chunk, isSpoolError } from '@spool/protocol';
import WebSocket from 'ws';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { GrpcGateways, GrpcStream } from './grpc-stream.ts';
import { Progress } from './progress.ts';

const USAGE = `usage:
  spool create <prompt> [--max-tokens N] [--seed N] [--model M] [--reasoning] [--tools]
  spool tail <stream-id> [--from N | --subscription sub_…]
  spool cancel <stream-id>
  spool get <stream-id>
options: --url URL[,URL…] (default $SPOOL_URL or http://localhost:8080)  --transport auto|ws|sse|grpc
         --grpc HOST:PORT[,…] (default $SPOOL_GRPC; with --transport grpc)  --json  --progress  --quiet  --help
         --api-key KEY (default $SPOOL_API_KEY)  --token READ_TOKEN (tail, get: a stream's read token)`;

const OPTIONS = {
  url: { type: 'string' },
  transport: { type: 'string', default: 'auto' },
  grpc: { type: 'string' },
  'api-key': { type: 'string' },
  token: { type: 'string' },
  'max-tokens': { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  reasoning: { type: 'boolean' },
  tools: { type: 'boolean' },
  from: { type: 'string' },
  subscription: { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

class UsageError extends Error {}

/** Tries of a gRPC read before giving up, as the SDK's reconnects below. */
const GRPC_ATTEMPTS = 6;

function integerOption(values: Values, name: 'max-tokens' | 'seed' | 'from'): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw new UsageError(`--${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function clientFrom(values: Values): SpoolClient {
  const urls = (values.url ?? process.env.SPOOL_URL ?? 'http://localhost:8080')
    .split(',')
    .map((url) => url.trim());
  const transport = values.transport === 'grpc' ? 'auto' : values.transport;
  if (transport !== 'auto' && transport !== 'ws' && transport !== 'sse') {
    throw new UsageError(`--transport must be auto, ws, sse or grpc, got "${transport}"`);
  }
  // A script wants an answer within seconds: fewer, shorter retries than the SDK's defaults.
  // A read token reads one stream: with --token it stands in for the key on every request.
  const apiKey = values.token === undefined ? apiKeyOf(values) : undefined;
  return new SpoolClient({
    baseUrl: urls,
    transport,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(values.token === undefined ? {} : { headers: { Authorization: `Bearer ${values.token}` } }),
    WebSocket: globalThis.WebSocket ?? WebSocket,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 6 },
  });
}

/** What `print` reads: the SDK's stream, or a gRPC one. */
type PrintedStream = AsyncIterable<Chunk> &
  Pick<SpoolStream, 'offset'> & { transport: string | undefined; gateway: string | undefined };

/** The gRPC gateways of `--grpc` / SPOOL_GRPC, when `--transport grpc`. */
function grpcFrom(values: Values): GrpcGateways | undefined {
  if (values.transport !== 'grpc') return undefined;
  const list = values.grpc ?? process.env.SPOOL_GRPC;
  if (!list) throw new UsageError('--transport grpc needs --grpc HOST:PORT (or SPOOL_GRPC)');
  const targets = list.split(',').map((target) => target.trim());
  const bad = targets.find((target) => !/^[^\s:]+:\d{1,5}$/.test(target));
  if (bad !== undefined) throw new UsageError(`--grpc takes HOST:PORT, got "${bad}"`);
  return new GrpcGateways(targets, values.token ?? apiKeyOf(values));
}

function apiKeyOf(values: Values): string | undefined {
  return values['api-key'] ?? (process.env.SPOOL_API_KEY || undefined);
}

async function print(stream: PrintedStream, values: Values): Promise<number> {
  let tokens = 0;
  const progress =
    values.quiet || !(process.stderr.isTTY || values.progress)
      ? undefined
      : new Progress(process.stderr, () => ({
          offset: stream.offset,
          tokens,
          transport: stream.transport,
          gateway: stream.gateway,
          reconnects: 0,
        }));
  let finish = 'stop';
  for await (const chunk of stream) {
    if (values.json) process.stdout.write(`${JSON.stringify(chunk)}\n`);
    if (chunk.kind === 'tokens') {
      tokens += chunk.to - chunk.from;
      progress?.tokenArrived();
      if (!values.json) process.stdout.write(chunk.text);
    } else if (chunk.item.type === 'error') {
      process.stderr.write(`\nspool: generation error ${chunk.item.code}: ${chunk.item.message}\n`);
    } else if (chunk.item.type === 'end') {
      finish = chunk.item.finish_reason;
    }
  }
  if (!values.json && process.stdout.isTTY) process.stdout.write('\n');
  progress?.finish(
    {
      offset: stream.offset,
      tokens,
      transport: stream.transport,
      gateway: stream.gateway,
      reconnects: 0,
    },
    `ended (${finish}) at offset ${stream.offset}`,
  );
  if (finish === 'error') return EXIT.generationFailed;
  if (finish === 'cancelled') return EXIT.cancelled;
  return EXIT.ok;
}

async function run(command: string | undefined, args: string[], values: Values): Promise<number> {
  const client = clientFrom(values);
  const grpc = grpcFrom(values);
  try {
    switch (command) {
      case 'create': {
        const prompt = args.join(' ');
        if (!prompt) throw new UsageError('create needs a prompt');
        const params: Record<string, number | boolean> = {};
        const maxTokens = integerOption(values, 'max-tokens');
        const seed = integerOption(values, 'seed');
        if (maxTokens !== undefined) params.max_tokens = maxTokens;
        if (seed !== undefined) params.seed = seed;
        if (values.reasoning) params.reasoning = true;
        if (values.tools) params.tools = true;
        const id = grpc
          ? await grpc.create({ prompt, model: values.model, params })
          : (await client.create({ prompt, model: values.model, params })).id;
        if (!values.quiet) process.stderr.write(`spool: stream ${id}\n`);
        return await follow(client, grpc, id, values, {});
      }
      case 'tail': {
        const id = onlyArgument(args, 'tail');
        if (values.from !== undefined && values.subscription !== undefined)
          throw new UsageError('give --from or --subscription, not both');
        if (grpc && values.subscription !== undefined) {
          throw new UsageError(
            '--subscription is not available with --transport grpc (use --from)',
          );
        }
        return await follow(client, grpc, id, values, {
          from: integerOption(values, 'from'),
          subscription: values.subscription,
        });
      }
      case 'cancel':
        await client.cancel(onlyArgument(args, 'cancel'));
        return EXIT.ok;
      case 'get':
        process.stdout.write(
          `${JSON.stringify(await client.meta(onlyArgument(args, 'get')), null, 2)}\n`,
        );
        return EXIT.ok;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command');
    }
  } finally {
    client.close();
    grpc?.close();
  }
}

async function follow(
  client: SpoolClient,
  grpc: GrpcGateways | undefined,
  id: string,
  values: Values,
  options: { from?: number | undefined; subscription?: string | undefined },
): Promise<number> {
  const stream: PrintedStream = grpc
    ? new GrpcStream(grpc, id, options.from ?? 0, GRPC_ATTEMPTS)
    : client.stream(id, {
        ...options,
        ...(values.token === undefined ? {} : { token: values.token }),
      });
  process.once('SIGINT', () => {
    process.stderr.write(
      `\nspool: interrupted at offset ${stream.offset}; resume with: spool tail ${id} --from ${stream.offset}\n`,
    );
    process.exit(EXIT.interrupted);
  });
  return print(stream, values);
}

function onlyArgument(args: string[], command: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${command} needs exactly one stream id`);
  return args[0];
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: OPTIONS, allowPositionals: true, args: process.argv.slice(2) });
  } catch (error) {
    process.stderr.write(`spool: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [command, ...args] = parsed.positionals;
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  try {
    return await run(command, args, parsed.values);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`spool: ${error.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (isSpoolError(error)) {
      process.stderr.write(`spool: ${error.code}: ${error.message}\n`);
      return exitCodeFor(error.code);
    }
    process.stderr.write(`spool: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unavailable;
  }
}

process.exitCode = await main();
