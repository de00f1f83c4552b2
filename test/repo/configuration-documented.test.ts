/**
 * docs/configuration.md, the code and `KNOWN_VARIABLES` (@spool/runtime) name the same
 * variables: each `SPOOL_*` / `BENCH_*` variable the code reads is documented, each one the
 * page documents is read, and the list a process checks its environment against is exactly the
 * documented `SPOOL_*` set.
 *
 * "The code" is every non-test source file of packages, services, infra and the load harness,
 * read as TypeScript: a name counts where it is a string (`'SPOOL_PORT'`, a message naming it),
 * a property (`SPOOL_PORT: integer(…)` in a schema, `process.env.SPOOL_URL`); not in comments
 * and not as a constant's own name.
 */
import { KNOWN_VARIABLES } from '@spool/runtime';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { isTestCode, readRepoFile, sourceFiles } from './repo-files.ts';

const VARIABLE = /\b(?:SPOOL|BENCH)_[A-Z0-9_]*[A-Z0-9]\b/g;
const WHOLE_VARIABLE = new RegExp(`^${VARIABLE.source}$`);
/** The list itself, and the matcher's tests, which name unknown variables on purpose. */
const NOT_SCANNED = new Set([
  'packages/runtime/src/known-variables.ts',
  'packages/runtime/src/known-variables.test.ts',
]);

/** Variable names that `path` uses as strings or properties. */
function variablesIn(path: string): Set<string> {
  const source = ts.createSourceFile(path, readRepoFile(path), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      for (const [name] of node.text.matchAll(VARIABLE)) names.add(name);
    } else if (ts.isIdentifier(node) && isPropertyName(node) && WHOLE_VARIABLE.test(node.text)) {
      names.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node) ||
    (ts.isPropertyAccessExpression(parent) && parent.name === node)
  );
}

/** name → the files that use it. */
function usage(files: string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files) {
    for (const name of variablesIn(file)) found.set(name, [...(found.get(name) ?? []), file]);
  }
  return found;
}

const files = ['packages', 'services', 'infra', 'test']
  .flatMap((folder) => sourceFiles(folder))
  .filter((file) => !NOT_SCANNED.has(file));
const read = usage(files.filter((file) => !isTestCode(file)));
const namedByTests = usage(files.filter(isTestCode));

const documented = new Set(
  [
    ...readRepoFile('docs/configuration.md').matchAll(
      /^\|\s*`((?:SPOOL|BENCH)_[A-Z0-9_]+)`\s*\|/gm,
    ),
  ].map((match) => match[1] ?? ''),
);

const sorted = (names: Iterable<string>) => [...names].sort();
const spoolOnly = (names: Iterable<string>) =>
  sorted(names).filter((name) => name.startsWith('SPOOL_'));

describe('docs/configuration.md', () => {
  it('finds the variables the code reads (the scan is not blind)', () => {
    expect(read.get('SPOOL_WINDOW')).toContain('services/gateway/src/config.ts');
    expect(read.get('SPOOL_WORKER_CONCURRENCY')).toContain('services/worker/src/config.ts');
    expect(read.get('SPOOL_URL')).toContain('packages/cli/src/main.ts');
    expect(read.size).toBeGreaterThan(40);
  });

  it('documents every variable the code reads', () => {
    const undocumented = sorted(read.keys())
      .filter((name) => !documented.has(name))
      .map((name) => `${name} (read in ${read.get(name)?.join(', ')})`);
    expect(undocumented).toEqual([]);
  });

  it('documents only variables that some code reads', () => {
    expect(sorted(documented).filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('KNOWN_VARIABLES', () => {
  it('is exactly the SPOOL_* variables docs/configuration.md documents', () => {
    expect(sorted(KNOWN_VARIABLES)).toEqual(spoolOnly(documented));
  });

  it('is exactly the SPOOL_* variables the code reads', () => {
    expect(sorted(KNOWN_VARIABLES)).toEqual(spoolOnly(read.keys()));
  });

  it('holds every SPOOL_* variable the tests set (a misspelt one would be ignored)', () => {
    const unknown = spoolOnly(namedByTests.keys())
      .filter((name) => !KNOWN_VARIABLES.has(name))
      .map((name) => `${name} (in ${namedByTests.get(name)?.join(', ')})`);
    expect(unknown).toEqual([]);
  });
});
