/** The CLI's exit codes; scripts and CI depend on them. */
export const EXIT_OK = 0;
/** The run completed but a declared SLO or invariant failed. */
export const EXIT_CHECK_FAILED = 1;
/** Bad input or usage: a scenario error, an unknown option, a missing file. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;
/** Interrupted by Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

/** A problem with what the user gave us; the message says what to do. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A check the user asked for failed (exit 1), e.g. --check-determinism. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}
