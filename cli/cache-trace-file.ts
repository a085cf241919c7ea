import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CacheTraceSink } from '../models/measure/cache-log.js';
import { describeIoError, exitCodeForIoError, OutputError } from './exit-codes.js';

/**
 * One cache's request stream in libCacheSim's oracleGeneral binary format
 * (`--cache-trace`), so the stream a run produced can be replayed in that
 * simulator. Each request is one 24-byte little-endian record:
 *
 *   uint32 timestamp   true time of the lookup, whole seconds
 *   uint64 object id   the key
 *   uint32 size        the object's size in bytes, at least 1 (libCacheSim's reader skips size 0)
 *   int64  next access the 1-based number, in requests, of the next request for the same key; −1 when none
 *
 * "Next access" is what libCacheSim's traceConv writes (the reference count of
 * the next access, counting from 1): request i (0-based) whose key comes back
 * at request j has next access j + 1.
 *
 * Filling it needs the future, so the file is made in two passes with memory
 * bounded by the number of distinct keys, never by the number of requests:
 * while the run goes, records are spilled to a temporary file in fixed-size
 * chunks; at the end the chunks are read from last to first, each backwards,
 * keeping only key → index of its next request, and every finished chunk is
 * written at its own place in a second temporary file, which is renamed over
 * the target once complete. A failure or an abandoned run removes both
 * temporary files and leaves nothing under the name asked for.
 */
export class CacheTraceFile implements CacheTraceSink {
  /** Requests recorded so far. */
  requests = 0;
  private readonly spillPath: string;
  private readonly outputPath: string;
  private spillFd: number;
  /** The chunk being filled: per request its second, key (low and high 32 bits) and size. */
  private readonly chunk: Uint32Array;
  private inChunk = 0;

  /**
   * Opens the spill file beside `path` at once, so a place that cannot be
   * written fails before the run. `option` names the command-line option in
   * messages; `chunkRequests` is how many requests are kept in memory at a time.
   */
  constructor(
    readonly path: string,
    private readonly option: string,
    private readonly chunkRequests = DEFAULT_CHUNK_REQUESTS,
  ) {
    if (!Number.isInteger(chunkRequests) || chunkRequests < 1)
      throw new RangeError(`chunkRequests must be a positive integer, not ${chunkRequests}`);
    const stem = join(dirname(path), `.${basename(path)}.${process.pid}`);
    this.spillPath = `${stem}.spill.tmp`;
    this.outputPath = `${stem}.tmp`;
    this.chunk = new Uint32Array(chunkRequests * SPILL_WORDS);
    this.spillFd = -1;
    unfinished.add(this);
    this.spillFd = this.attempt(() => openSync(this.spillPath, 'w'));
  }

  request(nowUs: number, key: number, sizeBytes: number): void {
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Number.isInteger(key)))
      throw new RangeError(`${this.option}: key ${key} is not a non-negative integer, so it has no oracleGeneral id`);
    const at = this.inChunk * SPILL_WORDS;
    this.chunk[at] = Math.min(Math.floor(nowUs / 1e6), UINT32_MAX);
    this.chunk[at + 1] = key % TWO_32;
    this.chunk[at + 2] = Math.floor(key / TWO_32);
    // Size 0 (a not-found key), or no size at all, is written as 1: libCacheSim's reader skips size 0.
    this.chunk[at + 3] = sizeBytes >= 1 ? Math.min(Math.round(sizeBytes), UINT32_MAX) : 1;
    this.requests++;
    if (++this.inChunk === this.chunkRequests) this.spill();
  }

  /** Writes the file: the backward pass over the spilled chunks, then the rename into place. */
  finish(): void {
    this.spill();
    this.attempt(() => closeSync(this.spillFd));
    this.spillFd = -1;
    const spill = this.attempt(() => openSync(this.spillPath, 'r'));
    let output = -1;
    try {
      output = this.attempt(() => openSync(this.outputPath, 'w'));
      const spilled = new Uint32Array(this.chunkRequests * SPILL_WORDS);
      const spilledBytes = new Uint8Array(spilled.buffer);
      const records = new DataView(new ArrayBuffer(this.chunkRequests * ORACLE_GENERAL_RECORD_BYTES));
      const recordBytes = new Uint8Array(records.buffer);
      // key → the 0-based index of its next request, as seen from the request being written.
      const nextIndex = new Map<number, number>();
      for (let first = Math.floor((this.requests - 1) / this.chunkRequests) * this.chunkRequests; first >= 0;) {
        const count = Math.min(this.chunkRequests, this.requests - first);
        this.attempt(() => readSync(spill, spilledBytes, 0, count * SPILL_BYTES, first * SPILL_BYTES));
        for (let i = count - 1; i >= 0; i--) {
          const from = i * SPILL_WORDS;
          const to = i * ORACLE_GENERAL_RECORD_BYTES;
          const low = spilled[from + 1];
          const high = spilled[from + 2];
          const key = high * TWO_32 + low;
          const later = nextIndex.get(key);
          nextIndex.set(key, first + i);
          records.setUint32(to, spilled[from], true);
          records.setUint32(to + 4, low, true);
          records.setUint32(to + 8, high, true);
          records.setUint32(to + 12, spilled[from + 3], true);
          const next = later === undefined ? -1 : later + 1;
          records.setUint32(to + 16, next === -1 ? UINT32_MAX : next % TWO_32, true);
          records.setUint32(to + 20, next === -1 ? UINT32_MAX : Math.floor(next / TWO_32), true);
        }
        const bytes = count * ORACLE_GENERAL_RECORD_BYTES;
        const position = first * ORACLE_GENERAL_RECORD_BYTES;
        this.attempt(() => writeSync(output, recordBytes, 0, bytes, position));
        first -= this.chunkRequests;
      }
      this.attempt(() => closeSync(output));
      output = -1;
      this.attempt(() => renameSync(this.outputPath, this.path));
    } finally {
      if (output >= 0) closeSync(output);
      closeSync(spill);
      this.removeTemporaries();
    }
  }

  /** The run failed or was interrupted: the temporary files go, and nothing is written under the target's name. */
  abandon(): void {
    if (this.spillFd >= 0) closeSync(this.spillFd);
    this.spillFd = -1;
    this.removeTemporaries();
  }

  /** Removes both temporary files; the file is no longer unfinished. */
  removeTemporaries(): void {
    rmSync(this.spillPath, { force: true });
    rmSync(this.outputPath, { force: true });
    unfinished.delete(this);
  }

  /** The chunk in memory appended to the spill file. */
  private spill(): void {
    if (this.inChunk === 0) return;
    const bytes = new Uint8Array(this.chunk.buffer, 0, this.inChunk * SPILL_BYTES);
    this.attempt(() => writeSync(this.spillFd, bytes));
    this.inChunk = 0;
  }

  private attempt<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (typeof e?.code !== 'string') throw error;
      this.abandon();
      throw new OutputError(
        `${this.option} ${this.path}: cannot write it: ${describeIoError(e)}. Nothing was written under that name.`,
        exitCodeForIoError(e),
      );
    }
  }
}

/** Files whose temporaries exist: a second signal exits at once (signals.ts), and they go with it. */
const unfinished = new Set<CacheTraceFile>();
process.on('exit', () => {
  for (const file of unfinished) file.removeTemporaries();
});

/** Bytes of one oracleGeneral record: uint32 + uint64 + uint32 + int64. */
export const ORACLE_GENERAL_RECORD_BYTES = 24;
/** Requests held in memory before they are spilled: 64 Ki of them, 1 MiB. */
export const DEFAULT_CHUNK_REQUESTS = 1 << 16;
/** A spilled request: second, key low, key high, size, as 32-bit words in the machine's order (read back by the same process). */
const SPILL_WORDS = 4;
const SPILL_BYTES = SPILL_WORDS * 4;
const TWO_32 = 2 ** 32;
const UINT32_MAX = TWO_32 - 1;
