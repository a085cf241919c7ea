#!/usr/bin/env node
// The handlers go in before anything heavy is loaded: a SIGINT or SIGTERM while the program loads must stop it
// cleanly (exit 130 or 143), not kill it outright. So the static imports here are two small files of no imports.
import { EXIT_PIPE_CLOSED } from './exit-codes.js';
import { installSignalHandlers } from './signals.js';

const signals = installSignalHandlers();

// A reader that stops early (`faultline run x --json | head -c1`) closes the pipe: say so, without a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.stderr.write(`faultline: exit ${EXIT_PIPE_CLOSED}: stdout was closed before everything was written to it\n`);
  process.exit(EXIT_PIPE_CLOSED);
});

const { main } = await import('./program.js');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: signals.signal,
  releaseSignals: signals.release,
});
