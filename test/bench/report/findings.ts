/**
 * Sentences the report must say in words: where Spool is slower than a baseline and by how much,
 * and what a baseline did where it cannot do the scenario (resume, a killed server).
 */
import type { RunResult } from '../scenarios/run-result.ts';
import { count, ms, ratio } from './format.ts';
import { SYSTEM_TITLES } from './tables.ts';

export function slowerThanBaselines(results: readonly RunResult[]): string[] {
  const spool = results.find((result) => result.system === 'spool');
  if (!spool) return [];
  const lines: string[] = [];
  for (const baseline of results) {
    if (baseline.system === 'spool') continue;
    const name = SYSTEM_TITLES[baseline.system] ?? baseline.system;
    const compare = (what: string, mine: number | undefined, theirs: number | undefined) => {
      if (mine === undefined || theirs === undefined || !(mine > theirs)) return;
      lines.push(
        `Spool's ${what} is ${ms(mine)} against ${ms(theirs)} for the ${name}: ${ratio(mine / theirs)}, ${ms(mine - theirs)} slower.`,
      );
    };
    compare('delivery latency p50', spool.figures.latency?.p50, baseline.figures.latency?.p50);
    compare('delivery latency p99', spool.figures.latency?.p99, baseline.figures.latency?.p99);
    compare('TTFT p50', spool.figures.ttft?.p50, baseline.figures.ttft?.p50);
    const mine = spool.figures.tokensPerSecond;
    const theirs = baseline.figures.tokensPerSecond;
    if (spool.scenario === 'throughput' && mine < theirs) {
      lines.push(
        `Spool delivers ${count(mine)} tokens/s against ${count(theirs)} for the ${name}: ${((1 - mine / theirs) * 100).toFixed(0)}% fewer.`,
      );
    }
  }
  return lines;
}

const BEHAVIOUR: Record<string, string> = {
  naive:
    'The naive relay cannot resume: it keeps each stream in its own memory and sends every reader, a reconnecting one too, the whole stream from its start (whatever `Last-Event-ID` says), so a reconnect repeats what the reader had; when its one process dies, every stream in flight dies with it and nothing can be resumed.',
  resumable:
    "resumable-stream keeps the chunks only in the producer process's memory and resumes by character count: the producer replays `chunks.join('').slice(skip)` as one message, then live chunks, over Redis pub/sub. Killing a reader server is survivable (the producer is elsewhere); if the producer dies, or after the stream is done, there is nothing to resume (FACTS.md).",
};

export function baselineOutcomes(results: readonly RunResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    if (result.system === 'spool' || result.system === 'raw') continue;
    const { integrity, resume } = result.figures;
    const parts = [
      `${count(integrity.lost)} items lost`,
      `${count(integrity.duplicated)} duplicated`,
      `${count(integrity.contentMismatches)} readers with different content`,
      `${count(integrity.unfinished)} of ${count(result.figures.connections)} readers did not reach the end`,
    ];
    if (resume)
      parts.push(`${count(resume.count)} of ${count(resume.attempts)} resumes delivered an item`);
    const errors =
      integrity.sampleErrors.length > 0
        ? ` Errors seen: ${integrity.sampleErrors
            .slice(0, 3)
            .map((error) => `\`${error.replaceAll('|', '/')}\``)
            .join(', ')}.`
        : '';
    lines.push(
      `${SYSTEM_TITLES[result.system]}: ${parts.join(', ')}.${errors} ${BEHAVIOUR[result.system] ?? ''}`,
    );
  }
  return lines;
}

/**
 * A defect this harness found and reproduced in isolation, named while it shows: fan-out readers
 * that subscribe while a shared read of the same stream is in flight get items from the wrong
 * offset. Printed only when the run shows losses in fan-out, so it goes away with the fix.
 */
export function knownCauses(results: readonly RunResult[]): string[] {
  const fanOut = results.find(
    (result) => result.scenario === 'fan-out' && result.system === 'spool',
  );
  if (!fanOut || fanOut.figures.integrity.lost === 0) return [];
  return [
    'Cause of the fan-out losses (reproduced with two `follow` calls on one RedisTokenLog): in `packages/token-log/src/stream-tail.ts`, `#readLoop` reads from the lowest offset of the waiters present when the read starts; a waiter that joins during that read with a lower offset is then served by `#dispatch` with `start = waiter.from - readFrom` < 0, and `items.slice(negative, …)` hands it later items: its first items are skipped, silently. The readers concerned saw their first chunk start past offset 0 (e.g. `6-8` after subscribing from 0). A waiter below `readFrom` must be left for the next read (`behind = true`) instead.',
  ];
}
