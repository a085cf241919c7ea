/**
 * The CLI's exit codes, one table for every command (README, "Exit codes");
 * scripts and CI depend on them. Signals give 128 + their number (signals.ts).
 */
export const EXIT_OK = 0;
/** The command completed but what it checks failed: a declared SLO, or a history that is not linearizable. */
export const EXIT_FAILED = 1;
/** Bad input or usage: a scenario error, an unknown option or variant, a missing file. */
export const EXIT_BAD_INPUT = 2;
/** A bug in faultline. */
export const EXIT_INTERNAL = 3;
/** Two runs of one seed differed (--check-determinism). */
export const EXIT_DIVERGED = 4;
/** Whoever read stdout closed it early (EPIPE), as a process that SIGPIPE ends reports: 128 + 13. */
export const EXIT_PIPE_CLOSED = 141;

/** A problem with what the user gave us; the message says what to do. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Two runs of the same seed gave different reports (exit 4). */
export class DeterminismFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeterminismFailed';
  }
}

/** What a command ends with: its exit code and, when that is not 0, why, in a few words. */
export interface Outcome {
  code: number;
  reason?: string;
}
