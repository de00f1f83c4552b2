/**
 * SIGTERM / SIGINT → one orderly shutdown.
 *
 * The first signal runs `drain` (stop taking work, finish or hand back what is running); a
 * second signal, or `drain` outliving `forceAfterMs`, exits at once with status 1.
 */
import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  drain: (signal: string) => Promise<void>;
  forceAfterMs: number;
}

export function handleShutdownSignals(options: ShutdownOptions): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    draining = true;
    options.logger.info({ signal }, 'draining');
    const force = setTimeout(() => {
      options.logger.error({ forceAfterMs: options.forceAfterMs }, 'drain took too long: exiting');
      process.exit(1);
    }, options.forceAfterMs);
    force.unref();
    options.drain(signal).then(
      () => {
        options.logger.info('drained: exiting');
        process.exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'drain failed: exiting');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
