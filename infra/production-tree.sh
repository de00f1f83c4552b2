#!/bin/sh
# Usage, at the root of the workspace: infra/production-tree.sh <package> <out>
#   e.g. infra/production-tree.sh @spool/gateway /out
#
# Installs the production dependencies of one service and of the workspace packages it depends
# on (`--filter-prod` does not follow devDependencies, so neither @spool/testing nor any test
# tool is installed), then copies what it runs from into <out>, in the workspace's own layout:
# node_modules/ (pnpm's virtual store) and, per workspace package, package.json, node_modules/
# (links into the store) and src/ without its *.test.ts files. infra/Dockerfile runs it; it
# runs the same way outside Docker, to check a tree before building an image.
set -eu

package="$1"
out="$2"

pnpm install --prod --frozen-lockfile --filter-prod "$package..."

mkdir -p "$out"
cp -a node_modules "$out/"
pnpm ls --filter-prod "$package..." --depth -1 --parseable | while read -r directory; do
  relative="${directory#"$PWD"/}"
  mkdir -p "$out/$relative"
  cp -a "$relative/package.json" "$relative/node_modules" "$relative/src" "$out/$relative/"
  find "$out/$relative/src" -name '*.test.ts' -delete
done
