/**
 * Runs one benchmark function in a process of its own, as a user's
 * `faultline run` runs one scenario: V8 tunes a simulation's calls to the
 * models it has seen, so benchmarks sharing one process slowed each other
 * (the mm1 scenario ran about a third slower after the other simulations).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the child is asked to do: call `exportName` of `module` with `args`, and send back what it returns. */
export interface FreshProcessCall {
  module: string;
  exportName: string;
  args: unknown[];
}

export function inFreshProcess<T>(module: URL, exportName: string, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // The child inherits this process's flags, tsx's loader among them.
    const child = fork(fileURLToPath(new URL('./fresh-process-child.ts', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: { value: T } | { error: string } | undefined;
    child.on('message', (message) => {
      result = message as { value: T } | { error: string };
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== undefined && 'value' in result) resolve(result.value);
      else reject(new Error(`${exportName} in a fresh process: ${result?.error ?? `exited ${code} with no result`}`));
    });
    child.send({ module: module.href, exportName, args } satisfies FreshProcessCall);
  });
}
