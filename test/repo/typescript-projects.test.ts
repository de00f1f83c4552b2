/**
 * `tsc -b` type-checks everything: every workspace package is a project referenced from the
 * root tsconfig.json, each project's references mirror its `workspace:*` dependencies (STYLE.md),
 * and each project includes every TypeScript file in its folders (src/, test/, bench/,
 * scripts/, …). A new package, folder or dependency cannot be forgotten.
 *
 * Files at a package's top level (vitest.config.ts) are configuration, not checked here.
 */
import { join, posix } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sourceFiles, workspacePackages } from './repo-files.ts';

/** Projects of the root package itself (`pnpm start`'s launcher, the build), not workspace packages. */
const ROOT_PACKAGE_PROJECTS = ['infra/local', 'infra/build'];

interface Project {
  references: string[];
  fileNames: Set<string>;
}

/** The tsconfig.json of `folder`: its references as repo-relative folders, its files. */
function project(folder: string): Project {
  const path = join(REPO_ROOT, folder, 'tsconfig.json');
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
  const parsed = ts.getParsedCommandLineOfConfigFile(path, {}, host);
  if (!parsed) throw new Error(`${folder}/tsconfig.json cannot be read`);
  return {
    references: (parsed.projectReferences ?? []).map((reference) =>
      posix
        .relative(REPO_ROOT, reference.path.split('\\').join('/'))
        .replace(/\/tsconfig\.json$/, ''),
    ),
    fileNames: new Set(parsed.fileNames.map((name) => posix.relative(REPO_ROOT, name))),
  };
}

const packages = workspacePackages();
const folderOf = new Map(
  packages.map((workspacePackage) => [workspacePackage.name, workspacePackage.folder]),
);

describe('root tsconfig.json', () => {
  const root = project('.');

  it('references every workspace package', () => {
    const folders = packages.map((workspacePackage) => workspacePackage.folder);
    expect(folders.filter((folder) => !root.references.includes(folder))).toEqual([]);
  });

  it('references nothing else', () => {
    const folders = new Set([
      ...packages.map((workspacePackage) => workspacePackage.folder),
      ...ROOT_PACKAGE_PROJECTS,
    ]);
    expect(root.references.filter((folder) => !folders.has(folder))).toEqual([]);
  });
});

describe.each(packages)('$folder/tsconfig.json', ({ folder, workspaceDependencies }) => {
  it('references exactly the workspace packages it depends on', () => {
    const expected = workspaceDependencies.map((name) => folderOf.get(name) ?? name).sort();
    expect([...project(folder).references].sort()).toEqual(expected);
  });

  it('includes every TypeScript file in its folders', () => {
    const included = project(folder).fileNames;
    const missing = sourceFiles(folder)
      .filter((file) => /\.[cm]?ts$/.test(file) && file.slice(folder.length + 1).includes('/'))
      .filter((file) => !included.has(file));
    expect(missing).toEqual([]);
  });
});
