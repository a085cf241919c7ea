/** Where a command writes, and what it knows of the terminal: the process's own streams, or a test's. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width in columns, when it is one. */
  columns?: number;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** For NO_COLOR and COLUMNS. */
  env: Record<string, string | undefined>;
  /** Aborted at SIGINT or SIGTERM (its reason is the signal's name); a run stops at its next slice. */
  signal?: AbortSignal;
  /** Restores the signals' default action, for commands that run to the end in one step. */
  releaseSignals?(): void;
  /**
   * `run` and `validate` load only the models their scenarios name, for a fast start: for the program's own
   * process. Tests leave it out: their files share loaded modules, and other callers there expect every model.
   */
  modelsOnDemand?: boolean;
}

/** Width to fit the summary to: the terminal's, else COLUMNS, else 100. */
export function outputWidth(io: CliIo): number {
  if (io.stdout.isTTY && io.stdout.columns !== undefined && io.stdout.columns > 0) return io.stdout.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 100;
}
