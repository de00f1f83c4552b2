/**
 * One generation attempt: claim the stream, run the model adapter, append what it yields.
 *
 * Whatever happens, the stream ends exactly once with `end` (and an `error` before it when the
 * generation failed) — except when this attempt was fenced (a newer attempt owns the stream and
 * will end it) or handed back at shutdown (another worker continues it).
 *
 * When Redis loses appends it had acknowledged (an AOF `everysec` crash, a failover), the log is
 * shorter than what this attempt wrote: the next append is `offset_conflict` at a lower length.
 * The attempt then starts over from what the log holds, as a continuation after a lost worker
 * does; the token log gives the stream a new epoch, so readers that had the lost items are told
 * (`stream_reset`) rather than shown other items at their offsets.
 */
import { FINAL_STATUSES, type Item, isSpoolError, type NewItem } from '@spool/protocol';
import { backoffDelay, type Logger, sleep } from '@spool/runtime';
import type { TokenLog } from '@spool/token-log';
import {
  AdapterError,
  type GenerationRequest,
  type ModelAdapter,
} from './adapters/model-adapter.ts';
import { Appender } from './appender.ts';
import { FirstTokenTimer } from './first-token-timer.ts';
import type { WorkerMetrics } from './metrics.ts';
import { retryWhileUnavailable } from './redis-retry.ts';
import { failureItems, StopReason, stopReasonOf } from './stop-reason.ts';

export interface GenerationSettings {
  /** Most items in one append (see appender.ts). */
  append: { maxItems: number };
  /** The generation is ended with `generation_timeout` after this long without an item. */
  idleTimeoutMs: number;
  /** Upstream retries, only before the attempt's first item. */
  upstreamRetries: number;
}

export interface GenerationContext {
  log: TokenLog;
  adapter: ModelAdapter;
  logger: Logger;
  settings: GenerationSettings;
  metrics: Pick<WorkerMetrics, 'stages' | 'appends' | 'itemsAppended'>;
}

export type GenerationOutcome = 'completed' | 'already_ended' | 'fenced' | 'handed_back';

/** How often one attempt starts over after Redis lost its appends, before it gives up. */
const MAX_REWINDS = 5;

export interface GenerationInput {
  request: GenerationRequest;
  /** The fencing attempt: 1 for the first run, +1 for each restart. */
  attempt: number;
  /** Aborts when the worker shuts down: the generation is handed back. */
  shutdown: AbortSignal;
  /** When this worker picked the job up (`performance.now()`); now if not given. */
  pickedUpAt?: number;
}

export async function runGeneration(
  input: GenerationInput,
  context: GenerationContext,
): Promise<GenerationOutcome> {
  for (let rewinds = 0; ; rewinds++) {
    const outcome = await runOnce(input, context);
    if (outcome !== 'rewound') return outcome;
    if (rewinds >= MAX_REWINDS) throw new Error("Redis lost this stream's appends again and again");
    context.logger.warn(
      { stream: input.request.streamId, attempt: input.attempt },
      'Redis lost appends it had acknowledged: continuing from what the log holds',
    );
  }
}

/** `rewound`: the log lost appends this run had made; run again from what it holds. */
async function runOnce(
  input: GenerationInput,
  context: GenerationContext,
): Promise<GenerationOutcome | 'rewound'> {
  const { request, attempt, shutdown } = input;
  const pickedUpAt = input.pickedUpAt ?? performance.now();
  const { log, adapter, metrics } = context;
  const logger = context.logger.child({ stream: request.streamId, attempt });
  let claim: Awaited<ReturnType<TokenLog['claimAttempt']>>;
  try {
    claim = await retryWhileUnavailable(() => log.claimAttempt(request.streamId, attempt));
  } catch (error) {
    if (isSpoolError(error, 'stale_attempt')) return 'fenced';
    throw error;
  }
  if (FINAL_STATUSES.has(claim.status)) return 'already_ended';
  const firstToken = new FirstTokenTimer(metrics.stages, pickedUpAt, claim.length === 0);
  const appender = new Appender({
    log,
    streamId: request.streamId,
    attempt,
    at: claim.length,
    ...context.settings.append,
    onAppended: ({ items, waitedMs }) => {
      metrics.appends.inc();
      metrics.itemsAppended.inc(items);
      firstToken.appended(waitedMs);
    },
  });
  if (claim.cancelRequested) return finish(appender, [{ type: 'end', finish_reason: 'cancelled' }]);
  const prefix =
    claim.length > 0 ? await retryWhileUnavailable(() => readAll(log, request.streamId)) : [];
  if (prefix.length > 0 && !adapter.canContinue(request)) {
    logger.warn({ length: prefix.length }, 'generation lost mid-stream; adapter cannot continue');
    return finish(appender, failureItems(StopReason.workerLost));
  }
  logger.info(
    {
      from: prefix.length,
      adapter: adapter.name,
      sincePickupMs: Math.round(performance.now() - pickedUpAt),
    },
    'generation started',
  );
  return produce({ request, prefix, appender, context, logger, shutdown, firstToken });
}

interface ProduceInput {
  request: GenerationRequest;
  prefix: Item[];
  appender: Appender;
  context: GenerationContext;
  logger: Logger;
  shutdown: AbortSignal;
  firstToken: FirstTokenTimer;
}

async function produce(input: ProduceInput): Promise<GenerationOutcome | 'rewound'> {
  const { request, appender, context, logger } = input;
  const controller = new AbortController();
  // The model starts without waiting for the cancel watch (a subscribe and a read: two round
  // trips off the first token's path). A cancel sent meanwhile is not lost: the claim read the
  // cancel flag, and the watch reads it again once subscribed. A watch that cannot be set up
  // stops the generation.
  const watching = context.log.watchCancel(request.streamId, () =>
    controller.abort(StopReason.cancelled),
  );
  watching.catch((error: unknown) => controller.abort(error));
  const onShutdown = () => controller.abort(StopReason.handOff);
  if (input.shutdown.aborted) onShutdown();
  input.shutdown.addEventListener('abort', onShutdown, { once: true });
  const watchdog = new IdleWatchdog(context.settings.idleTimeoutMs, () =>
    controller.abort(StopReason.idle),
  );
  try {
    await pump({ ...input, signal: controller.signal, watchdog });
    await appender.close();
    logger.info({ length: appender.length }, 'generation completed');
    return 'completed';
  } catch (error) {
    return await stopped(error, controller.signal, input);
  } finally {
    watchdog.stop();
    input.shutdown.removeEventListener('abort', onShutdown);
    const stopWatching = await watching.catch(() => undefined);
    await stopWatching?.();
  }
}

/** Runs the adapter into the appender, retrying the upstream only before its first item. */
async function pump(input: ProduceInput & { signal: AbortSignal; watchdog: IdleWatchdog }) {
  const { request, prefix, appender, context, signal, watchdog } = input;
  let yielded = false;
  for (let retry = 0; ; retry++) {
    try {
      for await (const item of context.adapter.generate(request, { signal, prefix })) {
        input.firstToken.itemYielded();
        yielded = true;
        watchdog.touch();
        await appender.push(item);
      }
      return;
    } catch (error) {
      const retryable = error instanceof AdapterError && error.retryable && !signal.aborted;
      if (yielded || !retryable || retry >= context.settings.upstreamRetries) throw error;
      input.logger.warn(
        { err: error, retry: retry + 1 },
        'upstream failed before its first item: retrying',
      );
      await sleep(backoffDelay(retry, { baseMs: 200, maxMs: 2_000 }), signal);
    }
  }
}

/** Turns why the generation stopped into its ending; see stop-reason.ts. */
async function stopped(
  error: unknown,
  signal: AbortSignal,
  input: ProduceInput,
): Promise<GenerationOutcome | 'rewound'> {
  const { appender, logger } = input;
  if (lostAppends(error, appender)) {
    appender.discard();
    return 'rewound';
  }
  if (isSpoolError(error, 'stale_attempt')) {
    appender.discard();
    logger.warn('fenced: a newer attempt owns the stream; this attempt stops without writing');
    return 'fenced';
  }
  if (isSpoolError(error, 'stream_ended')) return 'already_ended';
  const reason = stopReasonOf(error, signal);
  if (reason === StopReason.handOff) {
    await appender.close();
    logger.info({ length: appender.length }, 'handed back at shutdown');
    return 'handed_back';
  }
  const code =
    reason instanceof StopReason || reason instanceof AdapterError ? reason.code : 'internal';
  logger.info(
    { reason: code, err: reason === StopReason.cancelled ? undefined : error },
    'generation stopped',
  );
  return finish(appender, failureItems(reason, error));
}

/** Appends the closing items; a fenced or already-ended stream is left to its owner. */
async function finish(
  appender: Appender,
  items: NewItem[],
): Promise<GenerationOutcome | 'rewound'> {
  try {
    for (const item of items) await appender.push(item);
    await appender.close();
    return 'completed';
  } catch (error) {
    if (lostAppends(error, appender)) return 'rewound';
    if (isSpoolError(error, 'stale_attempt')) return 'fenced';
    if (isSpoolError(error, 'stream_ended')) return 'already_ended';
    throw error;
  }
}

/** What earlier attempts stored; a gap in it is `data_loss` (see TokenLog.items). */
async function readAll(log: TokenLog, streamId: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of log.items(streamId)) items.push(item);
  return items;
}

/** Fires once when `touch` was not called for `timeoutMs`: content, not bytes, keeps it calm. */
class IdleWatchdog {
  #last = Date.now();
  readonly #timer: NodeJS.Timeout;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timer = setInterval(
      () => {
        if (Date.now() - this.#last >= timeoutMs) {
          this.stop();
          onIdle();
        }
      },
      Math.max(10, Math.min(1_000, timeoutMs / 4)),
    );
  }

  touch(): void {
    this.#last = Date.now();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The log is shorter than what this appender stored: Redis lost appends it acknowledged. */
function lostAppends(error: unknown, appender: Appender): boolean {
  if (!isSpoolError(error, 'offset_conflict')) return false;
  const length = error.details?.value;
  return typeof length === 'number' && length < appender.length;
}
