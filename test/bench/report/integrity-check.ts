/**
 * What must hold in every run, quick or full: each run measured something, and Spool lost,
 * repeated and changed nothing, and every Spool reader reached its stream's end (except where a
 * deadline is part of the plan: the ramp). Baselines are allowed to fail: that is what they are
 * measured for.
 */
import type { RunResult } from '../scenarios/run-result.ts';

export function checkIntegrity(results: readonly RunResult[]): string[] {
  const failures: string[] = [];
  for (const result of results) {
    const where = `${result.scenario} · ${result.system}${result.variant ? ` · ${result.variant}` : ''}`;
    const { integrity, itemsDelivered, connections } = result.figures;
    const nobodyReads = result.paused?.transport === 'none';
    if (!nobodyReads && (connections === 0 || itemsDelivered === 0)) {
      failures.push(`${where}: nothing was delivered`);
    }
    if (result.system !== 'spool' && result.system !== 'raw') continue;
    if (integrity.lost > 0) failures.push(`${where}: ${integrity.lost} items lost`);
    if (integrity.duplicated > 0)
      failures.push(`${where}: ${integrity.duplicated} items duplicated`);
    if (integrity.contentMismatches > 0) {
      failures.push(`${where}: ${integrity.contentMismatches} readers got different content`);
    }
    if (result.sourceMismatches > 0) {
      failures.push(
        `${where}: ${result.sourceMismatches} stored streams differ from the model's output`,
      );
    }
    if (result.scenario !== 'ramp' && integrity.unfinished > 0) {
      failures.push(
        `${where}: ${integrity.unfinished} readers did not reach the end (${integrity.sampleErrors.join('; ')})`,
      );
    }
  }
  return failures;
}
