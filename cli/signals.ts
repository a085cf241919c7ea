import { constants } from 'node:os';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number, as shells report a process a signal ended: 130 for SIGINT, 143 for SIGTERM. */
export function exitCodeForSignal(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface SignalHandlers {
  /** Aborted, with the signal's name as its reason, at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Gives the signals back their default action, for commands that cannot stop between steps. */
  release(): void;
}

/**
 * Installs the SIGINT and SIGTERM handlers. The entry point calls this before
 * it imports anything else, so a signal that arrives while the program loads
 * is noticed (and the run stops before it starts) rather than killing the
 * process outright. A second signal exits at once.
 */
export function installSignalHandlers(): SignalHandlers {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nfaultline: exit ${exitCodeForSignal(signal)}: ${signal} again; stopped at once\n`);
      process.exit(exitCodeForSignal(signal));
    }
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
