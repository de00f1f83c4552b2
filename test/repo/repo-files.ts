/**
 * The repository as files, for the tests that keep it in step with its own rules: its
 * workspace packages and their source files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/**
 * Source files under `folder` (repo-relative), as repo-relative paths with `/`, sorted: what git
 * tracks or would track (ignored files — build output, dependencies, local scratch — are not
 * the repository's).
 */
export function sourceFiles(folder: string): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '--', folder],
    { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return listed
    .split('\n')
    .filter((path) => SOURCE_FILE.test(path) && !path.endsWith('.d.ts'))
    .filter((path) => existsSync(join(REPO_ROOT, path)))
    .sort();
}

/** Test code: `*.test.ts` files and whatever sits in a `test/` folder (but the load harness). */
export function isTestCode(path: string): boolean {
  if (path.startsWith('test/bench/')) return false;
  return /\.test\.[cm]?[jt]s$/.test(path) || /(^|\/)test\//.test(path);
}

export interface WorkspacePackage {
  /** Repo-relative folder, e.g. `packages/protocol`. */
  folder: string;
  name: string;
  /** Names of the workspace packages it depends on (`workspace:*`, any dependency field). */
  workspaceDependencies: string[];
}

/** Every package of pnpm-workspace.yaml (`packages/*`, `services/*`, `test`). */
export function workspacePackages(): WorkspacePackage[] {
  const patterns = [...readRepoFile('pnpm-workspace.yaml').matchAll(/^ {2}- (\S+)$/gm)].map(
    (match) => match[1] ?? '',
  );
  const folders = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(REPO_ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  return folders
    .filter((folder) => existsSync(join(REPO_ROOT, folder, 'package.json')))
    .sort()
    .map((folder) => {
      const manifest = JSON.parse(readRepoFile(`${folder}/package.json`)) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const dependencies = {
        ...manifest.dependencies,
        ...manifest.devDependencies,
        ...manifest.peerDependencies,
      };
      return {
        folder,
        name: manifest.name,
        workspaceDependencies: Object.entries(dependencies)
          .filter(([, version]) => version.startsWith('workspace:'))
          .map(([name]) => name)
          .sort(),
      };
    });
}
