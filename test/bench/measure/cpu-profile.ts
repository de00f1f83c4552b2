/**
 * Summarises V8 CPU profiles (`--cpu-prof`) of a process: the share of busy time (idle
 * excluded) spent in each function itself, grouped by function and file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface ProfileEntry {
  name: string;
  percent: number;
}

export function summariseProfiles(
  directory: string,
  top = 12,
): { files: number; entries: ProfileEntry[] } {
  const counts = new Map<string, number>();
  let busy = 0;
  const files = readdirSync(directory).filter((file) => file.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Profile;
    const names = new Map<number, string>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url
        ? `${url.replace(/^.*\/(node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?)?/, '')}:${lineNumber + 1}`
        : '';
      names.set(node.id, `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`);
    }
    for (const sample of profile.samples) {
      const name = names.get(sample) ?? '?';
      if (name.startsWith('(idle)')) continue;
      busy++;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  const entries = [...counts]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([name, count]) => ({ name, percent: (100 * count) / Math.max(1, busy) }));
  return { files: files.length, entries };
}
