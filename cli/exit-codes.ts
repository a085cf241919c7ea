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
/** An output could not be written though its place was fine: a full disk, a failed device, a failed stdout. */
export const EXIT_WRITE_FAILED = 5;
/** Whoever read stdout closed it early (EPIPE), as a process that SIGPIPE ends reports: 128 + 13. */
export const EXIT_PIPE_CLOSED = 141;

/** A problem with what the user gave us; the message says what to do. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An output that cannot be written: a bad place for it (exit 2) or a failed write (exit 5, EXIT_WRITE_FAILED). */
export class OutputError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'OutputError';
  }
}

/** Errors that say the disk or device failed, not that the place was wrong. */
const WRITE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG']);

/** The exit code for a failed system call: 5 when the disk or device failed, else 2 (the place was wrong). */
export function exitCodeForIoError(error: NodeJS.ErrnoException): number {
  return WRITE_FAILURES.has(error.code ?? '') ? EXIT_WRITE_FAILED : EXIT_BAD_INPUT;
}

/** A failed system call in words: "no space left on device (ENOSPC)", from Node's "ENOSPC: no space left on device, write". */
export function describeIoError(error: NodeJS.ErrnoException): string {
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(error.message)?.[1];
  return error.code === undefined ? error.message : `${words ?? error.message} (${error.code})`;
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
