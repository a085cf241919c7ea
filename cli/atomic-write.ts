import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a set of files so that none is ever seen half-written: each goes to
 * a temporary name beside its target and is renamed over it, and no target is
 * touched until every temporary file has been written.
 */
export function writeFilesAtomically(files: readonly { path: string; content: string }[]): void {
  const staged: { temp: string; path: string }[] = [];
  try {
    for (const { path, content } of files) {
      mkdirSync(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      staged.push({ temp, path });
      writeFileSync(temp, content);
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  for (const { temp, path } of staged) renameSync(temp, path);
}
