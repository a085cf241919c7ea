/**
 * A result store that cannot be used: not there, not SQLite, not faultline's,
 * or of a newer schema. Its message names the file, says what is wrong and
 * what to do; the CLI prints it and exits 2. Kept apart from result-store.ts
 * so that mapping it to an exit code does not load SQLite.
 */
export class StoreError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'StoreError';
  }
}
