import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline } from './support/run-cli.js';

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-cache-trace-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An oracleGeneral file's object ids and next accesses, checked record by record against each other. */
function checkOracleGeneral(path: string): number {
  const bytes = readFileSync(path);
  expect(bytes.length % 24).toBe(0);
  const n = bytes.length / 24;
  const ids: bigint[] = [];
  const nexts: bigint[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(bytes.readBigUInt64LE(i * 24 + 4));
    expect(bytes.readUInt32LE(i * 24 + 12)).toBeGreaterThanOrEqual(1);
    nexts.push(bytes.readBigInt64LE(i * 24 + 16));
  }
  // The next access is the 1-based number of the next request for the same id, −1 when none.
  const seen = new Map<bigint, bigint>();
  for (let i = n - 1; i >= 0; i--) {
    expect(nexts[i]).toBe(seen.get(ids[i]) ?? -1n);
    seen.set(ids[i], BigInt(i + 1));
  }
  return n;
}

describe('faultline run --cache-trace', () => {
  it('writes one oracleGeneral file per variant, with the variant in its name, and says where', async () => {
    const r = await faultline([
      'run',
      'write-patterns',
      '--duration',
      '3s',
      '--json',
      '--quiet',
      '--cache-trace',
      `app-cache=${at('trace.bin')}`,
    ]);
    expect(r.code).toBe(0);
    const variants = ['cache-aside-invalidate', 'cache-aside-update', 'read-through', 'write-through', 'write-behind'];
    expect(readdirSync(dir).sort()).toEqual(variants.map((v) => `trace-${v}.bin`).sort());
    for (const variant of variants) expect(checkOracleGeneral(at(`trace-${variant}.bin`))).toBeGreaterThan(1000);
  });

  it('writes the one variant run under the name given', async () => {
    const r = await faultline([
      'run',
      'write-patterns',
      '--variant',
      'write-behind',
      '--duration',
      '3s',
      '--json',
      '--cache-trace',
      `app-cache=${at('one.bin')}`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cache trace: .*one\.bin \([\d,]+ requests of app-cache, libCacheSim oracleGeneral\)/);
    expect(checkOracleGeneral(at('one.bin'))).toBeGreaterThan(1000);
  });

  it('refuses, with exit 2 and before running, what cannot be traced or written', async () => {
    const cases: [string, RegExp][] = [
      ['nope=x.bin', /write-patterns has no component nope; its caches: app-cache/],
      ['db=x.bin', /db is a kv-store, not a cache; its caches: app-cache/],
      ['users=x.bin', /users is a poisson workload, not a cache/],
      ['x.bin', /give a cache component and a file, like --cache-trace app-cache=trace.bin/],
      [`app-cache=${at('no-such-folder/t.bin')}`, /cannot write it: no such file or directory \(ENOENT\)/],
    ];
    for (const [value, message] of cases) {
      const empty = mkdtempSync(join(tmpdir(), 'faultline-cache-trace-refused-'));
      try {
        const r = await faultline([
          'run',
          'write-patterns',
          '--variant',
          'write-through',
          '--out',
          join(empty, 'out'),
          '--cache-trace',
          value,
        ]);
        expect(r.code, value).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(readdirSync(empty)).toEqual([]);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    }
    const twice = await faultline([
      'run',
      'write-patterns',
      '--cache-trace',
      'app-cache=a.bin',
      '--cache-trace',
      'app-cache=b.bin',
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/app-cache is given twice/);
  });
});
