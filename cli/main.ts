#!/usr/bin/env node
// The handlers go in before anything heavy is loaded: a SIGINT or SIGTERM while the program loads must stop it
// cleanly (exit 130 or 143), not kill it outright. So the static imports here are two small files of no imports.
import { describeIoError, EXIT_PIPE_CLOSED, EXIT_WRITE_FAILED } from './exit-codes.js';
import { exitCodeForSignal, installSignalHandlers, type StopSignal } from './signals.js';

const signals = installSignalHandlers();

// A reader that stops early (`faultline run x --json | head -c1`) closes the pipe: say so, without a stack. Any
// other failure to write stdout (a full disk: `> /dev/full`) loses output, so it is an error of its own.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.stderr.write(
      `faultline: exit ${EXIT_PIPE_CLOSED}: stdout was closed before everything was written to it\n`,
    );
    process.exit(EXIT_PIPE_CLOSED);
  }
  process.stderr.write(`faultline: exit ${EXIT_WRITE_FAILED}: could not write to stdout: ${describeIoError(error)}\n`);
  process.exit(EXIT_WRITE_FAILED);
});
// Nowhere is left to say that stderr failed; the exit code still tells.
process.stderr.on('error', () => {});

const { main } = await import('./program.js');
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: signals.signal,
  releaseSignals: signals.release,
  modelsOnDemand: true,
});
// The command is done; a signal while stdout drains ends the process at once, with the signal's code.
signals.signal.addEventListener('abort', () => {
  const signal = signals.signal.reason as StopSignal;
  process.stderr.write(`faultline: exit ${exitCodeForSignal(signal)}: interrupted by ${signal} while writing stdout\n`);
  process.exit(exitCodeForSignal(signal));
});
// Exit once stdout and stderr have drained (a pipe's writes are asynchronous), rather than when the event loop
// empties: that exit frees the whole heap first, some 100 ms for a run's millions of objects.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
