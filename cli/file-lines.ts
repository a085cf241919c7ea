import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** The longest line read: a file with longer lines is not text (a device like /dev/zero, or a binary file). */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** A file that cannot be read as lines, with the line it failed at (0 when it could not be opened). */
export class FileLinesError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * The lines of a file (UTF-8, without their `\n`), read a megabyte at a
 * time, so a file of any size costs only its longest line. Pipes and
 * process substitutions (`<(zcat history.edn.gz)`) are read the same way.
 */
export function* fileLines(path: string): Generator<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new FileLinesError(
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      0,
    );
  }
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    const decoder = new StringDecoder('utf8');
    // The start of the current line, in pieces: joining them once, when the line ends, keeps a long line linear.
    let pieces: string[] = [];
    let pending = 0;
    let line = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new FileLinesError(`cannot read it (${code ?? (error as Error).message})`, line + 1);
      }
      if (read === 0) break;
      const text = decoder.write(chunk.subarray(0, read));
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        line++;
        pieces.push(text.slice(start, end));
        yield pieces.length === 1 ? pieces[0] : pieces.join('');
        pieces = [];
        pending = 0;
        start = end + 1;
      }
      pieces.push(text.slice(start));
      pending += text.length - start;
      if (pending > MAX_LINE_CHARS)
        throw new FileLinesError(
          `line ${line + 1} is longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB: this is not a text history`,
          line + 1,
        );
    }
    const last = pieces.join('') + decoder.end();
    if (last !== '') yield last;
  } finally {
    closeSync(fd);
  }
}
