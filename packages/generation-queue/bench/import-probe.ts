/**
 * One measurement of import-cost.ts, in a fresh process (`--expose-gc`): what a gateway imports
 * anyway (the token log, zod, the protocol), then `process.argv[2]`, then RSS and heap after two collections.
 * Prints one JSON line.
 */
const target = process.argv[2] ?? '';
await import('@spool/token-log');
await import('zod');
await import('@spool/protocol');
const started = performance.now();
if (target !== '') await import(target);
const importMs = performance.now() - started;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const { rss, heapUsed } = process.memoryUsage();
console.log(JSON.stringify({ importMs, rss, heapUsed }));
