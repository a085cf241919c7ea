import { describe, expect, it } from 'vitest';
import { kvRig, type KvOp } from './support/kv-store-rig.js';

const at = (ms: number) => ms * 1000;

describe('kv-store', () => {
  it('keys 1..count exist at version 1; puts count versions up; ifAbsent answers exists; deletes make a key not found', () => {
    const rig = kvRig({ keys: { count: 100 }, objectSizes: '300B' }, 3);
    const out = rig.client([
      { atUs: 0, op: 'get', key: 5 },
      { atUs: 0, op: 'get', key: 101 },
      { atUs: at(10), op: 'put', key: 5, sizeBytes: 77 },
      { atUs: at(20), op: 'get', key: 5 },
      { atUs: at(30), op: 'put', key: 101, ifAbsent: true },
      { atUs: at(40), op: 'put', key: 101, ifAbsent: true },
      { atUs: at(40), op: 'put', key: 7, ifAbsent: true },
      { atUs: at(50), op: 'delete', key: 5 },
      { atUs: at(60), op: 'get', key: 5 },
      { atUs: at(70), op: 'delete', key: 5 },
      { atUs: at(80), op: 'put', key: 5, sizeBytes: 9 },
    ]);
    rig.sim.run({ untilUs: at(1000) });
    expect(out.map((o) => [o.reply?.status, o.reply?.version, o.reply?.sizeBytes])).toEqual([
      ['ok', 1, 300],
      ['not-found', 0, 0],
      ['ok', 2, 0],
      ['ok', 2, 77],
      ['ok', 1, 0],
      ['exists', 1, 100],
      ['exists', 1, 300],
      ['ok', 3, 0],
      ['not-found', 0, 0],
      ['not-found', 0, 0],
      // Versions continue past a delete, so a copy cached before it is still judged old.
      ['ok', 4, 0],
    ]);
    const db = rig.caches.databases[0];
    expect([db.latest(5), db.latest(101), db.latest(7)]).toEqual([4, 1, 0]);
    expect(db.reads.reduce((a, b) => a + b, 0)).toBe(4);
    expect(db.writes.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('queues FIFO behind its workers, so overload shows as latency, and answers failed past queueCapacity', () => {
    const rig = kvRig(
      { keys: { count: 10 }, sharding: { scheme: 'modulo' }, workers: 1, read: '10ms', queueCapacity: 3 },
      1,
    );
    const ops: KvOp[] = Array.from({ length: 5 }, () => ({ atUs: 0, op: 'get', key: 1 }));
    const out = rig.client(ops);
    rig.sim.run({ untilUs: at(1000) });
    // 1 ms each way; the first is served at once, three wait in line, the fifth finds it full.
    expect(out.map((o) => (o.repliedUs - o.sentUs) / 1000)).toEqual([12, 22, 32, 42, 2]);
    expect(out.map((o) => o.reply?.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'failed']);
    expect(out[4].reply?.reason).toMatch(/overloaded/);
  });

  it('the router sends every key to the shard that holds it: nothing is forwarded, each shard serves what the router counted', () => {
    for (const scheme of ['modulo', 'ring', 'range'] as const) {
      const nodes = 4;
      const rig = kvRig({ keys: { count: 400 }, sharding: { scheme } }, nodes);
      const ops: KvOp[] = Array.from({ length: 400 }, (_, i) => ({ atUs: at(i), op: 'get', key: i + 1 }));
      const expected = new Array<number>(nodes).fill(0);
      for (const op of ops) expected[rig.router.nodeFor(op.key, 0)]++;
      const out = rig.client(ops);
      rig.sim.run({ untilUs: at(2000) });
      expect(out.every((o) => o.reply?.status === 'ok' && o.reply.version === 1)).toBe(true);
      const served = Array.from({ length: nodes }, (_, n) => rig.record.servedIn(n, 0) + rig.record.servedIn(n, 1));
      expect(served, scheme).toEqual(expected);
      expect(rig.record.readsForwarded).toBe(0);
      expect(served.every((s) => s > 0)).toBe(true);
    }
  });

  it('rejects parameters that do not fit the group, naming the knob', () => {
    expect(() => kvRig({ sharding: { scheme: 'ring', weights: [1, 2] } }, 3)).toThrow(/one weight per node/);
    expect(() => kvRig({ sharding: { scheme: 'range', ranges: [50, 20] } }, 3)).toThrow(/must increase/);
    expect(() => kvRig({ sharding: { scheme: 'modulo', weights: [1, 1, 2] } }, 3)).toThrow(/ring only/);
    expect(() => kvRig({ reshard: { at: '1s', action: 'add', migrationRate: '100/s' } }, 1)).toThrow(
      /at least 2 nodes/,
    );
  });
});
