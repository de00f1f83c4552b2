/**
 * Import rules that matter, checked by `pnpm deps` (part of `pnpm test`), as STYLE.md asks:
 * "a rule that matters is checked in CI". Paths are repo-relative and resolved: a workspace
 * import such as `@spool/testing` is seen as `packages/testing/src/index.ts`.
 *
 * Type-only imports count (`tsPreCompilationDeps`): a cycle through `import type` is still a
 * cycle in the design, and it becomes a runtime one the day someone adds a value import.
 */

/** Test code: `*.test.ts` files and anything under a `test/` or `bench/` folder. */
const TEST_CODE = ['\\.test\\.ts$', '(^|/)test/', '(^|/)bench/'];

/** npm packages that do I/O or belong to one transport (resolved into node_modules). */
const npm = (names) => `(^|/)node_modules/(@types/)?(${names.join('|')})/`;
const IO_PACKAGES = npm(['ioredis', 'bullmq', 'fastify', '@fastify/[^/]+', 'ws', 'undici', 'pino']);
const IO_CORE_MODULES =
  '^(node:)?(net|http|https|http2|tls|dgram|dns|fs|fs/promises|child_process|cluster|worker_threads|readline)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles, type-only ones included. Move what both sides need down into a file ' +
        'both can import (STYLE.md: "a type that everyone needs lives in the lowest file that ' +
        'can hold it"). Generated gRPC types are exempt: google.protobuf.Struct and Value are ' +
        'mutually recursive by definition.',
      from: { pathNot: '^packages/grpc/src/generated/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment:
        'Every import resolves: an import these rules cannot resolve is an import they cannot ' +
        'check.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'production-not-to-test-harness',
      severity: 'error',
      comment:
        'Production code never imports the test harness (@spool/testing), the launcher ' +
        'included: the harness builds on the product, not the reverse. Tests may.',
      from: {
        path: [
          '^services/[^/]+/src/',
          '^infra/local/',
          '^packages/launcher/',
          '^packages/[^/]+/src/',
        ],
        pathNot: ['^packages/testing/', ...TEST_CODE],
      },
      to: { path: '^packages/testing/' },
    },
    {
      name: 'services-not-to-each-other',
      severity: 'error',
      comment:
        'Services never import each other; what two services share goes into a package below ' +
        'both (e.g. @spool/generation-queue).',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'protocol-not-to-workspace',
      severity: 'error',
      comment: '@spool/protocol is the bottom of the graph: it imports no other workspace package.',
      from: { path: '^packages/protocol/' },
      to: { path: '^(packages|services|infra|test)/', pathNot: '^packages/protocol/' },
    },
    {
      name: 'protocol-no-io',
      severity: 'error',
      comment:
        '@spool/protocol is pure: schemas, codecs, offsets. No sockets, files, Redis or HTTP ' +
        'server (its tests may read the docs they check).',
      from: { path: '^packages/protocol/', pathNot: TEST_CODE },
      to: { path: [IO_CORE_MODULES, IO_PACKAGES] },
    },
    {
      name: 'client-only-to-protocol',
      severity: 'error',
      comment: 'The SDK depends on @spool/protocol only among workspace packages.',
      from: { path: '^packages/client/src/' },
      to: { path: '^(packages|services|infra|test)/', pathNot: '^packages/(client|protocol)/' },
    },
    {
      name: 'gateway-delivery-transport-agnostic',
      severity: 'error',
      comment:
        'The delivery engine knows neither fastify nor any transport nor the HTTP routes: SSE, ' +
        'WebSocket and the OpenAI-compatible route build on it, not the reverse.',
      from: { path: '^services/gateway/src/delivery/' },
      to: {
        path: [
          '^services/gateway/src/(routes|sse|ws|openai)/',
          '^services/gateway/src/(app|server)\\.ts$',
          npm(['fastify', '@fastify/[^/]+', 'ws']),
        ],
      },
    },
    {
      name: 'gateway-app-is-composition-root',
      severity: 'error',
      comment:
        'app.ts composes the gateway and nothing imports it but gateway.ts (the gateway in a ' +
        'process: connections + app), server.ts, index.ts and tests; ' +
        'what handlers share (the context type, its services) lives below them (context.ts).',
      from: {
        path: '^services/gateway/src/',
        pathNot: ['^services/gateway/src/(gateway|server|index)\\.ts$', ...TEST_CODE],
      },
      to: { path: '^services/gateway/src/app\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Build output of our own packages; not node_modules (many packages ship from dist/).
    exclude: { path: ['^(packages|services)/[^/]+/(dist|\\.tsbuild)/', '^test/\\.tsbuild/'] },
    moduleSystems: ['es6'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    progress: { type: 'none' },
    reporterOptions: {},
  },
};
