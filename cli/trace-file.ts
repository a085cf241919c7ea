import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { describeIoError, exitCodeForIoError, OutputError } from './exit-codes.js';

/** `--trace-limit`'s default: a trace of about 150 MB. */
export const DEFAULT_TRACE_LINES = 1_000_000;

/** Lines are gathered up to this many characters before each write. */
const BUFFER_CHARS = 1 << 20;

/**
 * A trace streamed to a file: written to a temporary file beside it and
 * renamed into place by `finish`, so an interrupted run leaves no half
 * trace under the name asked for.
 */
export class TraceFile {
  private readonly temporary: string;
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(readonly path: string) {
    this.temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    this.fd = this.attempt(() => openSync(this.temporary, 'w'));
  }

  readonly write = (line: string): void => {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= BUFFER_CHARS) this.flush();
  };

  finish(): void {
    this.flush();
    this.attempt(() => closeSync(this.fd));
    this.fd = -1;
    this.attempt(() => renameSync(this.temporary, this.path));
  }

  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.attempt(() => writeSync(this.fd, text));
  }

  private attempt<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (typeof e?.code !== 'string') throw error;
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
      rmSync(this.temporary, { force: true });
      throw new OutputError(`--trace ${this.path}: cannot write it: ${describeIoError(e)}`, exitCodeForIoError(e));
    }
  }
}

/** The trace file of one run among several: `events.jsonl` becomes `events-<run>.jsonl`. */
export function traceFileFor(path: string, run: string | undefined): string {
  if (run === undefined) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}-${run}${ext}`);
}
