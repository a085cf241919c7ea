import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reading edge-list files: one follow per line, `follower followee`, two
 * non-negative integer ids separated by spaces or tabs; blank lines and `#`
 * comments (whole lines or after the two ids) are allowed. The file is read
 * as bytes, with no string per line, so tens of millions of lines cost their
 * numbers only. edge-list-file.ts turns the ids into a graph.
 */

/** A problem in an edge-list file, or reading it; the message names the file (and line) and says what to write. */
export class EdgeListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EdgeListError';
  }
}

/** The ids of every follow in the file at `path` (relative to the working directory unless absolute). */
export function readEdgeList(path: string): { resolvedPath: string; ids: Float64Array; count: number } {
  const resolvedPath = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolvedPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new EdgeListError(
      `cannot read the social graph file "${path}" (${resolvedPath}): ${why}; give an edge-list file's path, absolute or relative to the directory faultline runs in`,
    );
  }
  const { ids, count, selfFollows } = parseEdgeList(bytes, path);
  if (count === 0)
    throw new EdgeListError(
      `${path}: no follows found (only blank or comment lines); write one follow per line, "follower followee", like "17 42"`,
    );
  if (selfFollows === count)
    throw new EdgeListError(
      `${path}: every follow in the file is a user following itself (like "${ids[0]} ${ids[1]}"), and self-follows are dropped, which leaves no follows; write "follower followee" with two different users`,
    );
  return { resolvedPath, ids, count };
}

/** What is wrong with the edge-list file at `path`, or undefined when it reads as one: for checking a scenario before it runs. */
export function edgeListFileProblem(path: string): string | undefined {
  try {
    readEdgeList(path);
    return undefined;
  } catch (error) {
    if (error instanceof EdgeListError) return error.message;
    throw error;
  }
}

const LARGEST_ID = Number.MAX_SAFE_INTEGER;

/**
 * The ids on every follow line, follower then followee, in a growing
 * Float64Array (ids may exceed 32 bits), and how many lines are
 * self-follows. Errors carry `file:line`.
 */
function parseEdgeList(bytes: Uint8Array, path: string): { ids: Float64Array; count: number; selfFollows: number } {
  let ids = new Float64Array(1024);
  let count = 0;
  let selfFollows = 0;
  let line = 1;
  let at = 0;
  const fail = (message: string): never => {
    throw new EdgeListError(`${path}:${line}: ${message}`);
  };
  const text = (from: number, to: number) => Buffer.from(bytes.subarray(from, Math.min(to, from + 40))).toString();
  while (at < bytes.length) {
    let fields = 0;
    let follower = 0;
    let followee = 0;
    for (;;) {
      while (at < bytes.length && (bytes[at] === SPACE || bytes[at] === TAB || bytes[at] === CR)) at++;
      if (at >= bytes.length || bytes[at] === NEWLINE || bytes[at] === HASH) break;
      const tokenStart = at;
      let value = 0;
      let digits = true;
      while (at < bytes.length && !isSeparator(bytes[at])) {
        const b = bytes[at++];
        if (b >= ZERO && b <= NINE) value = value * 10 + (b - ZERO);
        else digits = false;
      }
      fields++;
      const token = () => text(tokenStart, at);
      if (!digits) {
        const negative = bytes[tokenStart] === MINUS;
        fail(
          negative
            ? `"${token()}" is negative; user ids are non-negative whole numbers, like "17 42"`
            : `"${token()}" is not a user id; user ids are non-negative whole numbers, like "17 42"`,
        );
      }
      if (value > LARGEST_ID) fail(`user id ${token()} is too large; ids must be at most ${LARGEST_ID}`);
      if (fields === 1) follower = value;
      else if (fields === 2) followee = value;
    }
    if (fields !== 0 && fields !== 2)
      fail(
        fields === 1
          ? 'one id where a follow needs two; write "follower followee", like "17 42"'
          : `${fields} fields where a follow needs two; write one follow per line, "follower followee", like "17 42" (comments start with #)`,
      );
    while (at < bytes.length && bytes[at] !== NEWLINE) at++;
    at++;
    if (fields === 2) {
      if (2 * count + 2 > ids.length) {
        const grown = new Float64Array(ids.length * 2);
        grown.set(ids);
        ids = grown;
      }
      ids[2 * count] = follower;
      ids[2 * count + 1] = followee;
      count++;
      if (follower === followee) selfFollows++;
    }
    line++;
  }
  return { ids, count, selfFollows };
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const NEWLINE = 0x0a;
const HASH = 0x23;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

function isSeparator(b: number): boolean {
  return b === SPACE || b === TAB || b === CR || b === NEWLINE || b === HASH;
}
