import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { checkpoint } from './checkpoint.js';
import { describeIoError, EXIT_BAD_INPUT, exitCodeForIoError, OutputError, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { OutputFile } from './write-report.js';

/** Kernel file systems: writing there is never meant, and Node's recursive mkdir spins forever under /proc. */
const SPECIAL_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];
/** …except shared memory, an ordinary tmpfs. */
const ORDINARY_UNDER_SPECIAL = ['/dev/shm'];

/** The files faultline writes into an output folder (`search` adds the scenario it found), and the temporary files of an older version. */
const OUTPUT_FILE =
  /^(report\.json|report\.html|[\w.-]+\.svg|history(-.+)?\.jsonl|counterexample\.yaml|\..+\.\d+\.tmp)$/;

const VERBS: Record<string, string> = {
  mkdir: 'create',
  open: 'write',
  write: 'write',
  rename: 'rename',
  scandir: 'read',
  rmdir: 'remove',
  stat: 'look at',
  realpath: 'look at',
};

/** A failed system call as an OutputError that names the output, the path and the cause in words. */
function ioFailure(output: string, error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || e.syscall === undefined) return error;
  const code = exitCodeForIoError(e);
  const what = ` ${VERBS[e.syscall] ?? e.syscall}${e.path === undefined ? '' : ` ${e.path}`}`;
  const advice =
    code === EXIT_BAD_INPUT
      ? 'give another folder'
      : 'free some space, or give a folder on another disk, and run again';
  return new OutputError(`${output}: cannot${what}: ${describeIoError(e)}; ${advice}. Nothing was written.`, code);
}

const badPlace = (output: string, problem: string) =>
  new OutputError(`${output}: ${problem}. Nothing was written.`, EXIT_BAD_INPUT);

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder + sep);
}

/**
 * The first thing in a folder that faultline did not write, if any: it writes report.json, charts, report.html,
 * histories, and folders of the same with a report.json (`report --variant`). A folder with none can be
 * replaced whole without losing anything of the user's.
 */
function foreignEntry(folder: string, nested = false): string | undefined {
  const entries = readdirSync(folder, { withFileTypes: true });
  if (nested && !entries.some((entry) => entry.isFile() && entry.name === 'report.json')) return folder;
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && !nested) {
      const inside = foreignEntry(path, true);
      if (inside !== undefined) return inside;
    } else if (!entry.isFile() || !OUTPUT_FILE.test(entry.name)) return path;
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The folders of `target` that do not exist yet, outermost first, after refusing a path through a file, a kernel
 * file system, and (when faultline replaces the folder whole) an existing folder that holds anything it did not write.
 */
function missingFolders(dir: string, target: string, ownedWhole = true): string[] {
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    let isFolder: boolean;
    try {
      isFolder = statSync(existing).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG') throw error;
      missing.unshift(existing);
      existing = dirname(existing);
      continue;
    }
    if (isFolder) break;
    throw badPlace(
      dir,
      existing === target
        ? 'it exists and is not a folder; give a folder (faultline creates it)'
        : `${existing} is a file, not a folder, so nothing can be made under it`,
    );
  }
  const real = realpathSync(existing);
  const special = SPECIAL_FILE_SYSTEMS.find((fs) => isUnder(real, fs));
  if (special !== undefined && !ORDINARY_UNDER_SPECIAL.some((fs) => isUnder(real, fs)))
    throw badPlace(dir, `${special} is a kernel file system, not a disk; give a folder elsewhere`);
  const foreign = missing.length === 0 && ownedWhole ? foreignEntry(target) : undefined;
  if (foreign !== undefined)
    throw badPlace(
      dir,
      `it holds ${join(dir, relative(target, foreign))}, which faultline did not write, and faultline replaces its output folder whole; give a new or empty folder`,
    );
  return missing;
}

/**
 * Makes a folder whose files are written one by one beside others (a sweep's result store and its reports), one
 * level at a time, refusing with exit 2 what `OutputFolder.prepare` refuses but for the folder's other contents.
 */
export function prepareSharedFolder(dir: string): void {
  if (dir.trim() === '') throw new UsageError("the output folder's name is empty; give one, like --out results");
  try {
    for (const folder of missingFolders(dir, resolve(dir), false)) mkdirSync(folder);
  } catch (error) {
    throw ioFailure(dir, error);
  }
}

/**
 * An output folder checked before anything is simulated, then written whole: every file goes into a temporary
 * folder beside it, which is renamed into place once complete. An earlier output there is renamed aside first
 * and removed after, so a reader sees the old folder, briefly none, or the new one: never a mix of two runs.
 * A signal or a failure before that rename removes the temporary folder and leaves the earlier output as it was.
 */
export class OutputFolder {
  private readonly temp: string;
  private readonly aside: string;

  private constructor(
    /** The folder as the user gave it, for messages and the paths printed. */
    readonly dir: string,
    private readonly target: string,
    /** Parent folders `prepare` made, removed again if nothing is written. */
    private readonly created: string[],
  ) {
    const stem = `${join(dirname(target), `.${basename(target).slice(0, 60)}`)}.${process.pid}`;
    this.temp = `${stem}.tmp`;
    this.aside = `${stem}.old`;
  }

  /**
   * Refuses, with exit 2 and the reason, an empty name, a path through a file, a kernel file system, and an
   * existing folder that holds anything faultline did not write; creates the missing parents one level at a
   * time; and writes and removes a probe folder beside the target, so a read-only place, a name too long or a
   * full disk show up now rather than after the simulation.
   */
  static prepare(dir: string): OutputFolder {
    if (dir.trim() === '') throw new UsageError("the output folder's name is empty; give one, like --out results");
    const target = resolve(dir);
    let missing: string[];
    try {
      missing = missingFolders(dir, target);
    } catch (error) {
      throw ioFailure(dir, error);
    }

    const created: string[] = [];
    const folder = new OutputFolder(dir, target, created);
    try {
      for (const parent of missing.slice(0, -1)) {
        mkdirSync(parent);
        created.push(parent);
      }
      folder.removeStale();
      if (missing.length > 0) {
        // Only to learn that the name can be made here; the folder itself comes with the rename.
        mkdirSync(target);
        rmdirSync(target);
      }
      mkdirSync(folder.temp);
      writeFileSync(join(folder.temp, 'probe'), 'faultline checks it can write here\n');
      rmSync(folder.temp, { recursive: true });
    } catch (error) {
      rmSync(folder.temp, { recursive: true, force: true });
      folder.abandon();
      throw ioFailure(dir, error);
    }
    return folder;
  }

  /** Removes the parent folders `prepare` made, when the command ends without writing. */
  abandon(): void {
    for (const parent of [...this.created].reverse()) {
      try {
        rmdirSync(parent);
      } catch {
        // Something else was put there meanwhile: it stays.
      }
    }
  }

  /** Writes `files` (paths inside `dir`) as the folder's whole content, replacing what was there. */
  async write(files: readonly OutputFile[], io: CliIo): Promise<void> {
    const removeTemp = () => rmSync(this.temp, { recursive: true, force: true });
    // A second signal exits at once (signals.ts): the temporary folder goes with it.
    process.on('exit', removeTemp);
    try {
      mkdirSync(this.temp);
      for (const file of files) {
        const path = join(this.temp, relative(this.dir, file.path));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
        await checkpoint(io, 'write');
      }
      this.commit();
    } catch (error) {
      removeTemp();
      throw ioFailure(this.dir, error);
    } finally {
      process.off('exit', removeTemp);
    }
  }

  /** The temporary folder into place; synchronous, so no signal handler runs between the renames. */
  private commit(): void {
    if (!existsSync(this.target)) {
      renameSync(this.temp, this.target);
      return;
    }
    const foreign = foreignEntry(this.target);
    if (foreign !== undefined)
      throw badPlace(
        this.dir,
        `while faultline ran, ${join(this.dir, relative(this.target, foreign))} was put in the folder; the folder stays as it was`,
      );
    renameSync(this.target, this.aside);
    try {
      renameSync(this.temp, this.target);
    } catch (error) {
      renameSync(this.aside, this.target);
      throw error;
    }
    rmSync(this.aside, { recursive: true, force: true });
  }

  /** Temporary and set-aside folders for this target that a killed faultline left. */
  private removeStale(): void {
    const prefix = basename(this.temp).replace(/\d+\.tmp$/, '');
    for (const name of readdirSync(dirname(this.target))) {
      const pid = /^(\d+)\.(tmp|old)$/.exec(name.slice(prefix.length));
      if (name.startsWith(prefix) && pid !== null && !isAlive(Number(pid[1])))
        rmSync(join(dirname(this.target), name), { recursive: true, force: true });
    }
  }
}

/**
 * Writes files into a folder that also holds other things (`faultline report` drawing charts beside its
 * report.json): each goes to a temporary name beside its target, and only when all are written are they renamed
 * over their targets. A signal or failure before then removes the temporary files and changes nothing.
 */
export async function writeFilesAtomically(files: readonly OutputFile[], io: CliIo): Promise<void> {
  const staged = files.map(({ path }) => ({
    path,
    temp: join(dirname(path), `.${basename(path)}.${process.pid}.tmp`),
  }));
  const removeTemps = () => {
    for (const { temp } of staged) rmSync(temp, { force: true });
  };
  process.on('exit', removeTemps);
  try {
    for (const [i, { temp }] of staged.entries()) {
      writeFileSync(temp, files[i].content);
      await checkpoint(io, 'write');
    }
    for (const { temp, path } of staged) renameSync(temp, path);
  } catch (error) {
    removeTemps();
    throw ioFailure(dirname(files[0].path), error);
  } finally {
    process.off('exit', removeTemps);
  }
}
