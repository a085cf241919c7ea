import { RunInterrupted } from '../scenarios/harness/run-limits.js';
import type { CliIo } from './io.js';

/** How long a test pause waits for the test's signal before going on. */
const TEST_PAUSE_MS = 10_000;

/**
 * Between the synchronous steps of a command (building the report, rendering, writing each file): lets a SIGINT
 * or SIGTERM that came during the last step be seen, and stops the command there if one did. Node runs signal
 * handlers only between turns of the event loop, so without these a signal during those steps would be noticed
 * only after everything was written.
 *
 * For tests, FAULTLINE_TEST_PAUSE_AT=<phase> makes the command print `faultline: paused at <phase>` on stderr
 * and wait there (up to 10 s) for a signal, so a test can interrupt a phase that is otherwise too short to hit.
 */
export async function checkpoint(io: CliIo, phase: string): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await testPause(io, phase);
  if (io.signal?.aborted) throw new RunInterrupted();
}

/** The pause alone, for commands that stop on a signal by themselves (a sweep keeps what it finished). */
export async function testPause(io: CliIo, phase: string): Promise<void> {
  if (io.env.FAULTLINE_TEST_PAUSE_AT !== phase || io.signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, TEST_PAUSE_MS);
    const resume = () => {
      clearTimeout(timer);
      resolve();
    };
    io.signal?.addEventListener('abort', resume, { once: true });
    // An in-process test may abort while this line is written, before any listener could hear it.
    io.stderr.write(`faultline: paused at ${phase} (FAULTLINE_TEST_PAUSE_AT, for tests)\n`);
    if (io.signal?.aborted) resume();
  });
}
