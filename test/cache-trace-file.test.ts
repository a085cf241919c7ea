import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheTraceFile, ORACLE_GENERAL_RECORD_BYTES } from '../cli/cache-trace-file.js';
import { OutputError } from '../cli/exit-codes.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-cache-trace-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Request {
  nowUs: number;
  key: number;
  sizeBytes: number;
}

/** The records of an oracleGeneral file, read the way libCacheSim's reader does. */
function readOracleGeneral(path: string) {
  const bytes = readFileSync(path);
  expect(bytes.length % ORACLE_GENERAL_RECORD_BYTES).toBe(0);
  const records = [];
  for (let at = 0; at < bytes.length; at += ORACLE_GENERAL_RECORD_BYTES)
    records.push({
      seconds: bytes.readUInt32LE(at),
      id: bytes.readBigUInt64LE(at + 4),
      size: bytes.readUInt32LE(at + 12),
      next: bytes.readBigInt64LE(at + 16),
    });
  return records;
}

/** Next access by brute force: the 1-based number of the next request for the same key, −1 when none. */
function expectedNext(keys: readonly number[]): bigint[] {
  return keys.map((key, i) => {
    for (let j = i + 1; j < keys.length; j++) if (keys[j] === key) return BigInt(j + 1);
    return -1n;
  });
}

function write(name: string, requests: readonly Request[], chunkRequests?: number): string {
  const path = join(dir, name);
  const file = new CacheTraceFile(path, '--cache-trace test', chunkRequests);
  for (const r of requests) file.request(r.nowUs, r.key, r.sizeBytes);
  file.finish();
  return path;
}

describe('CacheTraceFile (libCacheSim oracleGeneral)', () => {
  it('writes a known stream as 24-byte records with the next access of each request', () => {
    const requests: Request[] = [
      { nowUs: 0, key: 1, sizeBytes: 100 },
      { nowUs: 400_000, key: 2, sizeBytes: 200 },
      { nowUs: 1_200_000, key: 1, sizeBytes: 100 },
      { nowUs: 2_999_999, key: 3, sizeBytes: 0 },
      { nowUs: 3_000_000, key: 2 ** 40 + 7, sizeBytes: 5 },
      { nowUs: 7_500_000, key: 2, sizeBytes: 200 },
    ];
    const path = write('known.bin', requests);
    expect(readFileSync(path).length).toBe(6 * 24);
    expect(readOracleGeneral(path)).toEqual([
      { seconds: 0, id: 1n, size: 100, next: 3n },
      { seconds: 0, id: 2n, size: 200, next: 6n },
      { seconds: 1, id: 1n, size: 100, next: -1n },
      // A size of 0 (a miss for a key that does not exist) is written as 1: libCacheSim skips size 0.
      { seconds: 2, id: 3n, size: 1, next: -1n },
      { seconds: 3, id: 2n ** 40n + 7n, size: 5, next: -1n },
      { seconds: 7, id: 2n, size: 200, next: -1n },
    ]);
    // Only the file asked for is left: the spill and output temporaries are gone.
    expect(readdirSync(dir)).toEqual(['known.bin']);
  });

  it('gives the brute-force next accesses for any stream, across many chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 12 }), sizeBytes: fc.integer({ min: 0, max: 5000 }) }), {
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 17 }),
        (stream, chunkRequests) => {
          const requests = stream.map((r, i) => ({ ...r, nowUs: i * 250_000 }));
          const path = write('property.bin', requests, chunkRequests);
          const records = readOracleGeneral(path);
          expect(records.map((r) => r.next)).toEqual(expectedNext(stream.map((r) => r.key)));
          expect(records.map((r) => r.id)).toEqual(stream.map((r) => BigInt(r.key)));
          expect(records.map((r) => r.seconds)).toEqual(requests.map((r) => Math.floor(r.nowUs / 1e6)));
          for (const r of records) expect(r.size).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('handles a stream many times larger than one chunk with bounded buffers', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 1013);
    const path = write(
      'large.bin',
      keys.map((key, i) => ({ nowUs: i * 1000, key, sizeBytes: 64 })),
      1024,
    );
    const records = readOracleGeneral(path);
    expect(records).toHaveLength(50_000);
    const expected = new Map<number, bigint>();
    const next = new Array<bigint>(keys.length);
    for (let i = keys.length - 1; i >= 0; i--) {
      next[i] = expected.get(keys[i]) ?? -1n;
      expected.set(keys[i], BigInt(i + 1));
    }
    expect(records.map((r) => r.next)).toEqual(next);
  });

  it('writes an empty file for a cache that saw no requests', () => {
    expect(readFileSync(write('empty.bin', [])).length).toBe(0);
  });

  it('leaves nothing under the name when abandoned', () => {
    const path = join(dir, 'abandoned.bin');
    const file = new CacheTraceFile(path, '--cache-trace test', 4);
    for (let i = 0; i < 10; i++) file.request(i, i, 1);
    file.abandon();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('abandoned'))).toEqual([]);
  });

  it('refuses a place it cannot write before any request, with exit 2', () => {
    const open = () => new CacheTraceFile(join(dir, 'no-such-folder', 't.bin'), '--cache-trace app-cache');
    expect(open).toThrow(OutputError);
    expect(open).toThrow(/--cache-trace app-cache .*no-such-folder.*no such file or directory \(ENOENT\)/);
    try {
      open();
    } catch (error) {
      expect((error as OutputError).exitCode).toBe(2);
    }
  });

  it('refuses a key that has no oracleGeneral id', () => {
    const file = new CacheTraceFile(join(dir, 'bad-key.bin'), '--cache-trace test');
    expect(() => file.request(0, -1, 10)).toThrow(/key -1 is not a non-negative integer/);
    expect(() => file.request(0, 1.5, 10)).toThrow(RangeError);
    file.abandon();
  });
});
