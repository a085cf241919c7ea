import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../engine/index.js';
import type { CacheStore, RemovalCause } from '../models/caches/cache-store.js';
import { cacheStoreParams, EVICTION_POLICIES, type EvictionPolicyName } from '../models/caches/cache-store-params.js';
import { createCacheStore, type CacheStoreOptions } from '../models/caches/create-cache-store.js';
import { KeyIndex } from '../models/caches/key-index.js';

/**
 * Each policy against a reference written plainly here (arrays, linear scans,
 * the papers' pseudocode): the same operations must give the same hits, the
 * same admissions and the same removals in the same order.
 */

interface Removal {
  key: number;
  sizeBytes: number;
  cause: RemovalCause;
}

type Op =
  | { kind: 'get'; key: number; advanceUs: number }
  | { kind: 'put'; key: number; sizeBytes: number; ttlUs: number; advanceUs: number }
  | { kind: 'delete'; key: number; advanceUs: number };

interface Entry {
  key: number;
  version: number;
  sizeBytes: number;
  expiresAtUs: number;
  ttlUs: number;
  /** Tick of the last insertion or use (LFU ties). */
  lastUse: number;
  count: number;
  visited: boolean;
  frequency: number;
  inMain: boolean;
}

/** The reference store: a list of entries, a policy written as plain array code. */
class ReferenceStore {
  held: Entry[] = [];
  removals: Removal[] = [];
  private tick = 0;
  private readonly perfectCounts = new Map<number, number>();
  private hand: Entry | null = null;
  private ghost: { key: number; weight: number }[] = [];
  private ghostHit = false;

  constructor(
    private readonly policy: EvictionPolicyName,
    private readonly capacity: number,
    private readonly capacityBytes: number,
    private readonly resetOnHit: boolean,
    private readonly rng: RandomStream,
  ) {}

  get bytes(): number {
    return this.held.reduce((sum, e) => sum + e.sizeBytes, 0);
  }

  private weight(e: Entry): number {
    return Number.isFinite(this.capacityBytes) ? e.sizeBytes : 1;
  }

  private budget(): number {
    return Number.isFinite(this.capacityBytes) ? this.capacityBytes : this.capacity;
  }

  get(key: number, nowUs: number): Entry | undefined {
    const e = this.held.find((x) => x.key === key);
    if (e && nowUs >= e.expiresAtUs) this.remove(e, 'expired');
    if (!e || nowUs >= e.expiresAtUs) {
      this.perfectCounts.set(key, (this.perfectCounts.get(key) ?? 0) + 1);
      return undefined;
    }
    this.touch(e);
    if (this.resetOnHit) e.expiresAtUs = nowUs + e.ttlUs;
    return e;
  }

  private touch(e: Entry): void {
    e.lastUse = ++this.tick;
    e.count++;
    e.visited = true;
    e.frequency = Math.min(3, e.frequency + 1);
    if (this.policy === 'lru') this.held = [...this.held.filter((x) => x !== e), e];
  }

  put(key: number, version: number, sizeBytes: number, nowUs: number, ttlUs: number): boolean {
    const old = this.held.find((x) => x.key === key);
    const replaced = old && nowUs >= old.expiresAtUs ? 'expired' : 'replaced';
    if (old && (old.sizeBytes === sizeBytes || !Number.isFinite(this.capacityBytes))) {
      const oldSize = old.sizeBytes;
      Object.assign(old, { version, sizeBytes, expiresAtUs: nowUs + ttlUs, ttlUs });
      this.touch(old);
      this.removals.push({ key, sizeBytes: oldSize, cause: replaced });
      return true;
    }
    if (old) this.remove(old, replaced);
    if (sizeBytes > this.capacityBytes) return false;
    const fits = () => this.held.length + 1 <= this.capacity && this.bytes + sizeBytes <= this.capacityBytes;
    if (this.policy === 'lfu-perfect' && !fits()) {
      const lowest = this.held.reduce((low, x) => Math.min(low, x.count), Infinity);
      if (!((this.perfectCounts.get(key) ?? 0) > lowest)) return false;
    }
    const ghostAt = this.ghost.findIndex((g) => g.key === key);
    this.ghostHit = ghostAt >= 0;
    if (ghostAt >= 0) this.ghost.splice(ghostAt, 1);
    while (!fits()) {
      const victim = this.victim();
      this.drop(victim);
      this.removals.push({
        key: victim.key,
        sizeBytes: victim.sizeBytes,
        cause: nowUs >= victim.expiresAtUs ? 'expired' : 'evicted',
      });
    }
    const e: Entry = {
      key,
      version,
      sizeBytes,
      expiresAtUs: nowUs + ttlUs,
      ttlUs,
      lastUse: ++this.tick,
      count: this.policy === 'lfu-perfect' ? (this.perfectCounts.get(key) ?? 0) : 1,
      visited: false,
      frequency: 0,
      inMain: this.ghostHit,
    };
    this.held.push(e);
    this.dense.push(key);
    return true;
  }

  private drop(e: Entry): void {
    this.held.splice(this.held.indexOf(e), 1);
    const at = this.dense.indexOf(e.key);
    this.dense[at] = this.dense[this.dense.length - 1];
    this.dense.pop();
  }

  delete(key: number): boolean {
    const e = this.held.find((x) => x.key === key);
    if (e) this.remove(e, 'deleted');
    return e !== undefined;
  }

  private remove(e: Entry, cause: RemovalCause): void {
    if (this.hand === e) this.hand = this.newer(e);
    if (this.policy === 'lfu-perfect') this.perfectCounts.set(e.key, e.count);
    this.drop(e);
    this.removals.push({ key: e.key, sizeBytes: e.sizeBytes, cause });
  }

  private newer(e: Entry): Entry | null {
    return this.held[this.held.indexOf(e) + 1] ?? null;
  }

  /** The entry to evict; `held` is in insertion order (LRU: in order of use). */
  private victim(): Entry {
    switch (this.policy) {
      case 'lru':
      case 'fifo':
        return this.held[0];
      case 'random':
        return this.randomVictim();
      case 'lfu':
      case 'lfu-perfect': {
        const lowest = this.held.reduce((low, x) => Math.min(low, x.count), Infinity);
        const tied = this.held.filter((x) => x.count === lowest);
        const victim = tied.reduce((a, b) => (b.lastUse < a.lastUse ? b : a));
        if (this.policy === 'lfu-perfect') this.perfectCounts.set(victim.key, victim.count);
        return victim;
      }
      case 'sieve': {
        let o = this.hand ?? this.held[0];
        while (o.visited) {
          o.visited = false;
          o = this.newer(o) ?? this.held[0];
        }
        this.hand = this.newer(o);
        return o;
      }
      case 's3-fifo':
        return this.s3Victim();
    }
  }

  /** Random with the order the implementation keeps: a dense array of keys where the last fills a removed one's place. */
  private dense: number[] = [];
  private randomVictim(): Entry {
    const key = this.dense[this.rng.int(this.dense.length)];
    return this.held.find((x) => x.key === key)!;
  }

  /** S3-FIFO as the paper's pseudocode: small queue S, main queue M (both oldest first), ghost G. */
  private s3Small: Entry[] = [];
  private s3Main: Entry[] = [];
  private s3Victim(): Entry {
    this.s3Small = this.s3Small.filter((e) => this.held.includes(e));
    this.s3Main = this.s3Main.filter((e) => this.held.includes(e));
    for (const e of this.held) {
      if (!this.s3Small.includes(e) && !this.s3Main.includes(e)) (e.inMain ? this.s3Main : this.s3Small).push(e);
    }
    const smallWeight = () => this.s3Small.reduce((sum, e) => sum + this.weight(e), 0);
    for (;;) {
      if (this.s3Small.length > 0 && (smallWeight() >= 0.1 * this.budget() || this.s3Main.length === 0)) {
        const t = this.s3Small.shift()!;
        if (t.frequency >= 1) {
          t.frequency = 0;
          t.inMain = true;
          this.s3Main.push(t);
          continue;
        }
        const w = this.weight(t);
        const ghostCapacity = 0.9 * this.budget();
        if (w <= ghostCapacity) {
          while (this.ghost.reduce((sum, g) => sum + g.weight, 0) + w > ghostCapacity) this.ghost.shift();
          this.ghost.push({ key: t.key, weight: w });
        }
        return t;
      }
      const t = this.s3Main.shift()!;
      if (t.frequency > 0) {
        t.frequency--;
        this.s3Main.push(t);
        continue;
      }
      return t;
    }
  }
}

function ops(keys: number, maxSize: number) {
  const advanceUs = fc.integer({ min: 0, max: 30 });
  const key = fc.integer({ min: 1, max: keys });
  return fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('get' as const), key, advanceUs }) },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('put' as const),
          key,
          // Mostly a size stable per key (as ObjectSizes gives), sometimes another one.
          sizeBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: maxSize })),
          ttlUs: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 200 })),
          advanceUs,
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key, advanceUs }) },
    ),
    { maxLength: 120 },
  );
}

const limits = fc.oneof(
  fc.record({ capacity: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ capacityBytes: fc.integer({ min: 1, max: 150 }) }),
  fc.record({ capacity: fc.integer({ min: 1, max: 6 }), capacityBytes: fc.integer({ min: 20, max: 150 }) }),
);

function storeFor(
  policy: EvictionPolicyName,
  limit: { capacity?: number; capacityBytes?: number },
  ttlMode: CacheStoreOptions['ttlMode'],
) {
  const removals: Removal[] = [];
  const store = createCacheStore(
    { policy, ttlMode, ...limit },
    { removed: (key, sizeBytes, cause) => removals.push({ key, sizeBytes, cause }) },
    new RandomStream('eviction test'),
  );
  return { store, removals };
}

/** Runs `list` on both; a put's size 0 stands for the key's own stable size (key·7 mod 41 + 1). */
function compare(
  policy: EvictionPolicyName,
  limit: { capacity?: number; capacityBytes?: number },
  resetOnHit: boolean,
  list: Op[],
) {
  const { store, removals } = storeFor(policy, limit, resetOnHit ? 'reset-on-hit' : 'fixed');
  const reference = new ReferenceStore(
    policy,
    limit.capacity ?? Infinity,
    limit.capacityBytes ?? Infinity,
    resetOnHit,
    new RandomStream('eviction test'),
  );
  let nowUs = 0;
  let version = 0;
  let heldBytes = 0;
  for (const op of list) {
    nowUs += op.advanceUs;
    if (op.kind === 'get') {
      const slot = store.get(op.key, nowUs);
      const hit = reference.get(op.key, nowUs);
      expect(slot >= 0, `get ${op.key} at ${nowUs}`).toBe(hit !== undefined);
      if (hit) expect(store.versionOf(slot)).toBe(hit.version);
    } else if (op.kind === 'put') {
      const size = op.sizeBytes === 0 ? ((op.key * 7) % 41) + 1 : op.sizeBytes;
      version++;
      const admitted = store.put(op.key, version, size, nowUs, op.ttlUs);
      expect(admitted, `put ${op.key}`).toBe(reference.put(op.key, version, size, nowUs, op.ttlUs));
      if (admitted) heldBytes += size;
    } else {
      expect(store.delete(op.key)).toBe(reference.delete(op.key));
    }
    expect(removals).toEqual(reference.removals);
    expect(store.entries).toBe(reference.held.length);
    expect(store.bytes).toBe(reference.bytes);
    expect(store.entries).toBeLessThanOrEqual(limit.capacity ?? Infinity);
    expect(store.bytes).toBeLessThanOrEqual(limit.capacityBytes ?? Infinity);
  }
  // The listener's account: bytes admitted minus bytes removed is what the store holds.
  expect(heldBytes - removals.reduce((sum, r) => sum + r.sizeBytes, 0)).toBe(store.bytes);
}

describe('eviction policies against plain reference implementations', () => {
  for (const policy of EVICTION_POLICIES) {
    it(`${policy}: same hits, admissions and removals`, () => {
      fc.assert(
        fc.property(limits, fc.boolean(), ops(9, 60), (limit, resetOnHit, list) =>
          compare(policy, limit, resetOnHit, list),
        ),
        { numRuns: 150 },
      );
    });
  }
});

function run(store: CacheStore, script: string, nowUs = 0): void {
  // `+k` puts key k (size 10, no TTL), `k` gets it.
  for (const step of script.split(' ')) {
    if (step.startsWith('+')) store.put(Number(step.slice(1)), 1, 10, nowUs, Infinity);
    else store.get(Number(step), nowUs);
  }
}

const evicted = (removals: Removal[]) => removals.filter((r) => r.cause === 'evicted').map((r) => r.key);

describe('policies on hand-checked sequences', () => {
  it('SIEVE keeps a visited entry over an unvisited newer one, and its hand moves on', () => {
    const { store, removals } = storeFor('sieve', { capacity: 3 }, 'fixed');
    run(store, '+1 +2 +3 1 +4');
    // The hand starts at the tail (1): visited, so its bit is cleared and 2 goes.
    expect(evicted(removals)).toEqual([2]);
    run(store, '+5');
    // The hand stayed at 3 (newer than 2): unvisited, it goes; 1 survives though older.
    expect(evicted(removals)).toEqual([2, 3]);
    expect(store.peek(1)).toBeGreaterThanOrEqual(0);
  });

  it('S3-FIFO sends a one-hit wonder to the ghost, and a ghost hit enters the main queue', () => {
    const { store, removals } = storeFor('s3-fifo', { capacity: 10 }, 'fixed');
    run(store, '+1 +2 +3 +4 +5 +6 +7 +8 +9 +10 +11');
    expect(evicted(removals)).toEqual([1]); // never hit while in the small queue
    run(store, '1 +1'); // a miss, then the fill: the ghost remembers 1, so it goes to main
    // A scan of new keys churns through the small queue only; 1 stays in main.
    run(store, '+20 +21 +22 +23 +24 +25 +26 +27 +28 +29 +30 +31 +32');
    expect(store.peek(1)).toBeGreaterThanOrEqual(0);
    expect(evicted(removals).filter((k) => k === 1)).toHaveLength(1);
  });

  it('S3-FIFO moves an entry hit while in the small queue to main instead of evicting it', () => {
    const { store, removals } = storeFor('s3-fifo', { capacity: 10 }, 'fixed');
    run(store, '+1 +2 +3 +4 +5 +6 +7 +8 +9 +10 1 +11');
    expect(evicted(removals)).toEqual([2]);
  });

  it('perfect LFU admits a missed key only once its count beats the least-counted entry', () => {
    const { store, removals } = storeFor('lfu-perfect', { capacity: 2 }, 'fixed');
    const miss = (key: number) => expect(store.get(key, 0)).toBe(-1);
    miss(1);
    expect(store.put(1, 1, 10, 0, Infinity)).toBe(true);
    run(store, '1 1'); // 1 has count 3
    miss(2);
    expect(store.put(2, 1, 10, 0, Infinity)).toBe(true); // room: admitted with count 1
    miss(3);
    expect(store.put(3, 1, 10, 0, Infinity)).toBe(false); // 1 is not above 2's count 1
    miss(3);
    expect(store.put(3, 1, 10, 0, Infinity)).toBe(true); // 2 > 1: evicts 2
    expect(evicted(removals)).toEqual([2]);
    miss(2); // 2 remembers its count: now 2, not above 3's 2
    expect(store.put(2, 1, 10, 0, Infinity)).toBe(false);
  });

  it('perfect LFU, filled on every miss, holds the keys with the highest request counts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 20, maxLength: 400 }), (stream) => {
        const { store } = storeFor('lfu-perfect', { capacity: 5 }, 'fixed');
        const counts = new Map<number, number>();
        for (const key of stream) {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (store.get(key, 0) === -1) store.put(key, 1, 10, 0, Infinity);
        }
        const held = [...counts].filter(([key]) => store.peek(key) >= 0).map(([, count]) => count);
        const notHeld = [...counts].filter(([key]) => store.peek(key) === -1).map(([, count]) => count);
        expect(held).toHaveLength(Math.min(5, counts.size));
        // No key left out was requested more often than any key held.
        expect(notHeld.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(held.reduce((a, b) => Math.min(a, b)));
      }),
      { numRuns: 200 },
    );
  });

  it('LFU forgets a count when its entry leaves, and breaks ties by recency', () => {
    const { store, removals } = storeFor('lfu', { capacity: 2 }, 'fixed');
    run(store, '+1 1 1 +2 2 +3'); // counts 1:3, 2:2 → 2 goes
    expect(evicted(removals)).toEqual([2]);
    run(store, '+2'); // 2 back at count 1, 3 at count 1 and older → 3 goes
    expect(evicted(removals)).toEqual([2, 3]);
  });

  it('capacity in bytes evicts until the new object fits and refuses one larger than the whole', () => {
    const { store, removals } = storeFor('lru', { capacityBytes: 100 }, 'fixed');
    for (let key = 1; key <= 4; key++) store.put(key, 1, 25, 0, Infinity);
    expect(store.put(5, 1, 60, 0, Infinity)).toBe(true);
    expect(evicted(removals)).toEqual([1, 2, 3]);
    expect(store.bytes).toBe(85);
    expect(store.put(6, 1, 101, 0, Infinity)).toBe(false);
    expect(store.bytes).toBe(85);
  });

  it('with neither capacity the store is a pure TTL cache', () => {
    const { store, removals } = storeFor('lru', {}, 'fixed');
    for (let key = 1; key <= 5000; key++) store.put(key, 1, 100, 0, 1000);
    expect(store.entries).toBe(5000);
    expect(store.get(1, 999)).toBeGreaterThanOrEqual(0);
    expect(store.get(2, 1000)).toBe(-1);
    expect(removals).toEqual([{ key: 2, sizeBytes: 100, cause: 'expired' }]);
  });
});

describe('TTL', () => {
  it('fixed: an entry expires ttl after it was stored, however often it is hit', () => {
    const { store, removals } = storeFor('lru', { capacity: 4 }, 'fixed');
    store.put(1, 1, 10, 0, 100);
    expect(store.expiresAtUs(store.peek(1))).toBe(100);
    expect(store.get(1, 50)).toBeGreaterThanOrEqual(0);
    expect(store.get(1, 99)).toBeGreaterThanOrEqual(0);
    expect(store.get(1, 100)).toBe(-1);
    expect(removals).toEqual([{ key: 1, sizeBytes: 10, cause: 'expired' }]);
  });

  it('reset-on-hit: every hit moves the expiry to ttl after the hit', () => {
    const { store, removals } = storeFor('lru', { capacity: 4 }, 'reset-on-hit');
    store.put(1, 1, 10, 0, 100);
    for (const nowUs of [50, 140, 239]) expect(store.get(1, nowUs)).toBeGreaterThanOrEqual(0);
    expect(store.expiresAtUs(store.peek(1))).toBe(339);
    expect(store.get(1, 339)).toBe(-1);
    expect(removals).toEqual([{ key: 1, sizeBytes: 10, cause: 'expired' }]);
  });

  it('an entry past its TTL leaves as expired, not evicted or replaced, whichever way it goes', () => {
    const { store, removals } = storeFor('lru', { capacity: 2 }, 'fixed');
    store.put(1, 1, 10, 0, 100);
    store.put(2, 1, 10, 0, 100);
    store.put(3, 1, 10, 50, Infinity); // 1 is live: evicted
    store.put(2, 2, 10, 150, 100); // 2 is past its TTL: the put replaces a dead entry
    store.get(3, 160);
    store.put(4, 1, 10, 300, Infinity); // 2 again past its TTL and the least recently used: dead, not evicted
    expect(removals.map((r) => `${r.key} ${r.cause}`)).toEqual(['1 evicted', '2 expired', '2 expired']);
  });

  it('setVersion changes the version only: no access counted, the expiry kept', () => {
    const { store, removals } = storeFor('lru', { capacity: 2 }, 'reset-on-hit');
    store.put(1, 1, 10, 0, 100);
    store.put(2, 1, 10, 10, 100);
    store.setVersion(store.peek(1), 5);
    expect(store.versionOf(store.peek(1))).toBe(5);
    expect(store.expiresAtUs(store.peek(1))).toBe(100);
    store.put(3, 1, 10, 20, 100); // 1 is still the least recently used
    expect(removals).toEqual([{ key: 1, sizeBytes: 10, cause: 'evicted' }]);
    store.setVersion(store.peek(2), 5);
    expect(store.get(2, 50)).toBeGreaterThanOrEqual(0);
    expect(store.expiresAtUs(store.peek(2))).toBe(150); // its TTL is still 100 for the reset
  });

  it('expiry is lazy: peek still finds an expired entry, without counting an access', () => {
    const { store } = storeFor('lru', { capacity: 2 }, 'fixed');
    store.put(1, 7, 10, 0, 100);
    store.put(2, 1, 10, 0, Infinity);
    expect(store.versionOf(store.peek(1))).toBe(7);
    store.put(3, 1, 10, 200, Infinity); // 1 was never read: still the least recently used
    expect(store.peek(1)).toBe(-1);
  });
});

describe('store parameters', () => {
  it('default to an unbounded LRU without TTL and take units', () => {
    expect(cacheStoreParams.parse({})).toEqual({ policy: 'lru', ttlMode: 'fixed' });
    expect(cacheStoreParams.parse({ capacityBytes: '64MB', ttl: '30s', policy: 's3-fifo' })).toEqual({
      policy: 's3-fifo',
      capacityBytes: 64_000_000,
      ttl: 30_000_000,
      ttlMode: 'fixed',
    });
    expect(cacheStoreParams.safeParse({ policy: 'arc' }).success).toBe(false);
    expect(cacheStoreParams.safeParse({ capacity: 0 }).success).toBe(false);
  });
});

describe('the key index', () => {
  it('answers as a Map does through sets, updates and deletions', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.oneof(fc.integer({ min: -40, max: 40 }), fc.constant(2 ** 40 + 3)), fc.nat()),
        ),
        (steps) => {
          const index = new KeyIndex(-1, 2);
          const map = new Map<number, number>();
          for (const [remove, key, value] of steps) {
            if (remove) expect(index.delete(key)).toBe(map.delete(key));
            else {
              index.set(key, value);
              map.set(key, value);
            }
            expect(index.size).toBe(map.size);
            for (const [k, v] of map) expect(index.get(k)).toBe(v);
            expect(index.get(41)).toBe(-1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
