import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const serverModule = new URL('./watched-processes.ts', import.meta.url).href;

/** A test process that starts a server, reports it, then ends the way `ending` says. */
function childScript(ending: 'throw' | 'wait'): string {
  return [
    `import { startRedisServer } from ${JSON.stringify(serverModule)};`,
    'const server = await startRedisServer({ appendOnly: true });',
    'console.log(JSON.stringify({ pid: server.pid, dir: server.dir }));',
    ending === 'throw'
      ? "setTimeout(() => { throw new Error('crash'); }, 50);"
      : 'setInterval(() => {}, 1000);',
  ].join('\n');
}

/**
 * Whether the process still runs. The orphaned server is reaped by init, which may take a
 * while, and `kill(pid, 0)` succeeds on a zombie: on Linux, read its state instead.
 */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

const endings = [
  { name: 'throws an uncaught exception', script: 'throw', signal: undefined },
  { name: 'is killed with SIGTERM', script: 'wait', signal: 'SIGTERM' },
  { name: 'is killed with SIGKILL', script: 'wait', signal: 'SIGKILL' },
] as const;

describe('exit cleanup', () => {
  it.each(endings)(
    'kills the server and removes its directory when the test process $name',
    async ({ script, signal }) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(script)], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const server = JSON.parse(line) as { pid: number; dir: string };
      expect(await isRunning(server.pid)).toBe(true);

      if (signal !== undefined) child.kill(signal);
      await once(child, 'exit');

      expect(await until(async () => !(await isRunning(server.pid)), 2_000)).toBe(true);
      const directoryGone = () =>
        access(server.dir).then(
          () => false,
          () => true,
        );
      expect(await until(directoryGone, 2_000)).toBe(true);
    },
  );
});
