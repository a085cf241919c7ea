import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coefficientOfVariation, expectedRingCv, keysPerShard, movedKeys } from '../models/sharding/key-spread.js';
import { ModuloShardMap, RangeShardMap, RingShardMap } from '../models/sharding/shard-map.js';
import { base62KeySpace, hashedCode } from '../models/url-shortener/short-codes.js';
import { shardingReports } from '../reports/caches/sharding-report.js';
import { kvRig, type KvOp, type KvOutcome } from './support/kv-store-rig.js';

const ms = (value: number) => value * 1000;
const ones = (n: number) => new Array<number>(n).fill(1);

describe('which keys move when a shard is added or removed', () => {
  const count = 100_000;

  it('modulo moves about n/(n+1) of the keys, a ring about 1/(n+1), all of them to the new shard', () => {
    for (const n of [3, 4, 8, 16]) {
      const modulo = movedKeys(new ModuloShardMap(n), new ModuloShardMap(n + 1), count) / count;
      expect(Math.abs(modulo - n / (n + 1)), `modulo n=${n}`).toBeLessThan(0.01);
      const before = new RingShardMap(n, 100, ones(n + 1));
      const after = new RingShardMap(n + 1, 100, ones(n + 1));
      const ring = movedKeys(before, after, count) / count;
      // The new shard's share scatters around 1/(n+1) by the ring's CV (see expectedRingCv): three of them is a wide but telling margin.
      expect(Math.abs(ring * (n + 1) - 1), `ring n=${n}`).toBeLessThan(3 * expectedRingCv(n + 1, 100));
      for (let key = 1; key <= 2000; key++)
        if (before.shardOf(key) !== after.shardOf(key)) expect(after.shardOf(key)).toBe(n);
    }
  });

  it('removing a ring shard moves exactly the keys it held; splitting a range moves half of it', () => {
    const ring5 = new RingShardMap(5, 100, ones(5));
    const ring4 = new RingShardMap(4, 100, ones(5));
    expect(movedKeys(ring5, ring4, count)).toBe(keysPerShard(ring5, 5, count)[4]);
    const ranges = RangeShardMap.even(4, count);
    const split = ranges.split(0, count, 4);
    expect(movedKeys(ranges, split, count)).toBe(count / 8);
    expect(keysPerShard(split, 5, count)).toEqual([12_500, 25_000, 25_000, 25_000, 12_500]);
    expect(keysPerShard(ranges.without(3), 4, count)).toEqual([25_000, 25_000, 50_000, 0]);
  });
});

describe("a ring's spread of the key space", () => {
  it('has the coefficient of variation √((n−1)/(n·V+1)) the theory expects, within its sampling error', () => {
    // Deterministic (the ring's points come from a fixed hash), so it cannot flake; a ring that ignored
    // virtual nodes or clumped its points would be off by a factor of several. Many shards per ring make
    // each measured CV tight (relative error about 1/√(2(n−1)), under 10% here); the keys' own
    // sampling noise, (n−1)/count in CV², is added to the expectation.
    const count = 200_000;
    for (const [n, v] of [
      [200, 20],
      [400, 5],
      [100, 50],
      [50, 100],
    ]) {
      const shards = Array.from({ length: n }, (_, s) => s);
      const measured = coefficientOfVariation(keysPerShard(new RingShardMap(n, v, ones(n)), n, count), shards);
      const expected = Math.sqrt(expectedRingCv(n, v) ** 2 + (n - 1) / count);
      expect(Math.abs(measured / expected - 1), `n=${n} V=${v}: ${measured} vs ${expected}`).toBeLessThan(0.25);
    }
  });

  it('spreads hashed 7-character codes (above 2^32, routed by their low 32 bits) as evenly as small keys', () => {
    const space = base62KeySpace(7);
    const count = 100_000;
    const codes = Array.from({ length: count }, (_, url) => hashedCode(url, 0, 0, space));
    expect(codes.filter((c) => c > 2 ** 32).length).toBeGreaterThan(0.99 * count);
    const spread = (map: ModuloShardMap | RingShardMap, n: number) => {
      const perShard = new Array<number>(n).fill(0);
      for (const code of codes) perShard[map.shardOf(code)]++;
      const small = keysPerShard(map, n, count);
      const shards = Array.from({ length: n }, (_, s) => s);
      return [coefficientOfVariation(perShard, shards), coefficientOfVariation(small, shards)];
    };
    // Modulo: only sampling noise, √((n−1)/count) ≈ 0.005, for both. The ring: its own spread, the same for both.
    const [modulo, moduloSmall] = spread(new ModuloShardMap(4), 4);
    expect(modulo).toBeLessThan(0.02);
    expect(moduloSmall).toBeLessThan(0.02);
    const [ring, ringSmall] = spread(new RingShardMap(4, 100, ones(4)), 4);
    expect(Math.abs(ring - ringSmall)).toBeLessThan(0.02);
  });

  it('gives a shard of weight 2 about twice the keys', () => {
    const spread = keysPerShard(new RingShardMap(4, 200, [1, 1, 1, 2]), 4, 100_000);
    expect(spread[3] / ((spread[0] + spread[1] + spread[2]) / 3)).toBeGreaterThan(1.6);
    expect(spread[3] / ((spread[0] + spread[1] + spread[2]) / 3)).toBeLessThan(2.4);
  });
});

const KEYS = 60;

/** A 3-node store adding its third shard at 50 ms, copying 500 keys/s per shard. */
function migratingRig(
  scheme: 'modulo' | 'ring',
  duringMigration: 'forward' | 'double-read',
  clockOffsetsUs: readonly number[] = [],
) {
  return kvRig(
    {
      keys: { count: KEYS },
      sharding: { scheme, virtualNodes: 20 },
      read: '1ms',
      write: '1ms',
      reshard: { at: '50ms', action: 'add', migrationRate: '500/s', duringMigration },
    },
    3,
    { clockOffsetsUs },
  );
}

function finalReads(rig: ReturnType<typeof migratingRig>, keys: readonly number[], atMs = 1000): KvOutcome[] {
  return rig.client(
    keys.map((key) => ({ atUs: ms(atMs), op: 'get', key })),
    { name: 'reader' },
  );
}

describe('live migration', () => {
  it('copies the moved keys between shards at the migration rate, taking a measurable time', () => {
    const rig = migratingRig('modulo', 'forward');
    rig.sim.run({ untilUs: ms(2000) });
    const r = rig.record;
    expect(r.keysMoved).toBe(movedKeys(new ModuloShardMap(2), new ModuloShardMap(3), KEYS));
    expect(r.keysCopied).toBe(r.keysMoved);
    expect(r.bytesCopied).toBe(r.keysMoved * 1000);
    // Two shards copy in parallel, one key per 2 ms each: the busier one decides.
    const busiest = Math.max(
      ...[0, 1].map((s) => {
        let leaving = 0;
        for (let key = 1; key <= KEYS; key++)
          if (new ModuloShardMap(2).shardOf(key) === s && new ModuloShardMap(3).shardOf(key) !== s) leaving++;
        return leaving;
      }),
    );
    expect(r.migrationStartUs).toBe(ms(50));
    expect(r.migrationEndUs - r.migrationStartUs).toBeGreaterThanOrEqual(ms(2 * (busiest - 1)));
    expect(r.migrationEndUs - r.migrationStartUs).toBeLessThan(ms(2 * busiest + 5));
  });

  for (const scheme of ['modulo', 'ring'] as const)
    for (const strategy of ['forward', 'double-read'] as const)
      it(`${scheme}, ${strategy}: every read during the migration finds its key`, () => {
        const rig = migratingRig(scheme, strategy);
        const ops: KvOp[] = [];
        for (let key = 1; key <= KEYS; key++) ops.push({ atUs: ms(48) + key * 200, op: 'get', key });
        const out = rig.client(ops);
        rig.sim.run({ untilUs: ms(2000) });
        expect(out.map((o) => o.reply?.status)).toEqual(ops.map(() => 'ok'));
        expect(out.every((o) => o.reply?.version === 1)).toBe(true);
        if (strategy === 'forward') {
          expect(rig.record.readsForwarded).toBeGreaterThan(0);
          expect(rig.record.doubleReads).toBe(0);
        } else {
          expect(rig.record.doubleReads).toBeGreaterThan(0);
          expect(rig.record.readsForwarded).toBe(0);
        }
      });

  it('loses no write made around a migration, whenever it is made and whatever the caller’s and the shards’ clocks say', () => {
    const write = fc.record({
      atMs: fc.integer({ min: 0, max: 200 }),
      key: fc.integer({ min: 1, max: KEYS + 10 }),
      delete: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('modulo' as const, 'ring' as const),
        fc.constantFrom('forward' as const, 'double-read' as const),
        fc.array(write, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: -20, max: 20 }),
        fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 3, maxLength: 3 }),
        (scheme, strategy, writes, offsetMs, shardOffsetsMs) => {
          // A shard whose clock runs ahead starts the migration early (and pulls the others in with its messages).
          const rig = migratingRig(scheme, strategy, shardOffsetsMs.map(ms));
          const out = rig.client(
            writes.map((w, i) => ({
              atUs: ms(w.atMs),
              op: w.delete ? 'delete' : 'put',
              key: w.key,
              sizeBytes: 10 + i,
            })),
            { clockOffsetUs: ms(offsetMs) },
          );
          const keys = [...new Set(writes.map((w) => w.key))];
          const reads = finalReads(rig, keys);
          rig.sim.run({ untilUs: ms(2000) });
          expect(out.every((o) => o.reply !== null && o.reply.status !== 'failed')).toBe(true);
          for (const [k, key] of keys.entries()) {
            const applied = out.filter((o) => o.op.key === key && o.reply!.status === 'ok');
            // Versions count up by one per applied write, from the key's initial version.
            const initial = key <= KEYS ? 1 : 0;
            const versions = applied.map((o) => o.reply!.version).sort((a, b) => a - b);
            expect(versions).toEqual(versions.map((_, i) => initial + 1 + i));
            const last = applied.find((o) => o.reply!.version === initial + applied.length);
            const read = reads[k].reply!;
            if (last === undefined) {
              expect(read.status).toBe(initial === 1 ? 'ok' : 'not-found');
            } else if (last.op.op === 'delete') {
              expect(read.status).toBe('not-found');
            } else {
              expect([read.status, read.version, read.sizeBytes]).toEqual([
                'ok',
                last.reply!.version,
                last.op.sizeBytes,
              ]);
            }
            expect(rig.caches.databases[0].latest(key)).toBe(last === undefined ? 0 : last.reply!.version);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('a migration under faults', () => {
  /** Puts to some keys around the switch, then a read of every key long after: all must hold their last write. */
  function checkNothingLost(rig: ReturnType<typeof migratingRig>, readAtMs = 1000) {
    const writes = rig.client(
      Array.from({ length: 20 }, (_, i): KvOp => ({ atUs: ms(45 + 3 * i), op: 'put', key: 3 * i + 1, sizeBytes: 7 })),
    );
    const keys = Array.from({ length: KEYS }, (_, i) => i + 1);
    const reads = finalReads(rig, keys, readAtMs);
    rig.sim.run({ untilUs: ms(8000) });
    const written = new Map(writes.filter((o) => o.reply?.status === 'ok').map((o) => [o.op.key, o.reply!.version]));
    expect(reads.map((o) => [o.op.key, o.reply?.status, o.reply?.version])).toEqual(
      keys.map((key) => [key, 'ok', written.get(key) ?? 1]),
    );
    expect(Number.isFinite(rig.record.migrationEndUs)).toBe(true);
  }

  for (const [who, node] of [
    ['the new owner', 'db-3'],
    ['an old owner', 'db-1'],
  ] as const)
    it(`a crash of ${who} while keys move delays them (resent until acknowledged) but loses none`, () => {
      const rig = migratingRig('modulo', 'forward');
      const id = rig.sim.nodeId(node);
      rig.sim.at(ms(58), () => rig.sim.crash(id));
      rig.sim.at(ms(75), () => rig.sim.restart(id));
      checkNothingLost(rig);
      if (node === 'db-3') expect(rig.record.copiesResent).toBeGreaterThan(0);
    });

  it('copies and copy-done messages lost or reordered between shards are resent, so no key is lost', () => {
    // Requests forwarded across these links may be lost too (their callers would time out): the reads come after.
    const rig = migratingRig('ring', 'double-read');
    for (const from of ['db-1', 'db-2', 'db-3'])
      for (const to of ['db-1', 'db-2', 'db-3'])
        if (from !== to) rig.sim.setLink(from, to, { lossProbability: 0.3, jitterUs: ms(5) });
    checkNothingLost(rig, 6000);
    expect(rig.record.copiesResent).toBeGreaterThan(0);
  });
});

describe('the sharding report', () => {
  it('reads the moved keys, the expected fraction, the copies and their duration off the shard log', () => {
    const rig = migratingRig('ring', 'forward');
    rig.client(Array.from({ length: 200 }, (_, i): KvOp => ({ atUs: ms(i * 5), op: 'get', key: (i % KEYS) + 1 })));
    rig.sim.run({ untilUs: ms(2000) });
    const windows = [0, 1].map((w) => ({ startUs: w * 1_000_000, endUs: (w + 1) * 1_000_000 }));
    const [report] = shardingReports(rig.shardLog, windows, 0)!;
    expect(report.before.shardNodes).toEqual([0, 1]);
    expect(report.after!.shardNodes).toEqual([0, 1, 2]);
    expect(report.after!.expectedRingCv).toBeCloseTo(expectedRingCv(3, 20), 6);
    const reshard = report.reshard!;
    expect(reshard.keysMoved).toBe(report.after!.keysPerShard[2]);
    expect(reshard.expectedMovedFraction).toBeCloseTo(1 / 3, 6);
    expect(reshard.keysCopied).toBe(reshard.keysMoved);
    expect(reshard.durationUs).toBe(reshard.migrationEndUs! - reshard.migrationStartUs!);
    expect(report.load.servedPerShard.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('gives the ring’s expected spread only with equal weights, which the formula assumes', () => {
    const windows = [{ startUs: 0, endUs: 1_000_000 }];
    const expected = (weights: number[]) =>
      shardingReports(kvRig({ sharding: { scheme: 'ring', weights } }, 3).shardLog, windows, 0)![0].before
        .expectedRingCv;
    expect(expected([2, 2, 2])).toBeCloseTo(expectedRingCv(3, 100), 6);
    expect(expected([1, 1, 2])).toBeNull();
  });
});
