/**
 * One socket write per event-loop iteration on a Redis Cluster node's connection, without
 * pipelines.
 *
 * On one server ioredis auto-pipelines; on a Cluster it cannot (connect.ts: a pipeline that gets
 * MOVED for several slots is not redirected), so it writes every command by itself: one `write`
 * system call per command, 26 % of a worker's busy time in the distributed test on the Cluster
 * (`writeUtf8String`). A node's socket is corked at its first write and uncorked in the same
 * iteration's check phase (`setImmediate`), which hands the kernel every command written
 * meanwhile, from every timer and I/O callback of that iteration, in one `writev`; ioredis still
 * sends, answers and redirects each command by itself. (`process.nextTick` would flush after
 * each callback: a worker's appends each come from a timer of their own, so it gathered almost
 * nothing.) Measured: docs/decisions/2026-12-01-cluster-write-coalescing.md.
 */
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

/** Coalesces the writes of every connection `node` opens (ioredis opens a new socket on reconnect). */
export function coalesceWrites(node: Redis): void {
  node.on('connect', () => corkPerIteration(node.stream as Socket));
}

/** Makes `socket` gather the writes of one loop iteration and flush them in its check phase. */
function corkPerIteration(socket: Socket): void {
  const write = socket.write;
  const flush = () => socket.uncork();
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (socket.writableCorked === 0) {
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
