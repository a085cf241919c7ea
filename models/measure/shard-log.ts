/**
 * What a run's sharded stores saw, for the report's sharding figures
 * (reports/caches/sharding-report.ts): per kv-store, the operations each
 * shard served per window (its load), how the key space 1..count is spread
 * over the shards before and after a reshard (computed from the shard maps
 * when the store is built), the keys that move, and what the live migration
 * cost: keys and bytes copied between shards, when it started and ended,
 * reads forwarded to the old owner or read twice (double reads), and
 * requests that waited at a new owner for their key's copy.
 *
 * Memory grows with shards × windows, never with requests. Measurement only:
 * nothing here changes what a store does.
 */
export class ShardLog {
  readonly stores: ShardRecord[] = [];
  private readonly byName = new Map<string, ShardRecord>();

  constructor(
    readonly windowUs: number,
    readonly windows: number,
  ) {}

  /** The record of kv-store `component` (shared by its `nodes` nodes), created on first use. */
  store(component: string, scheme: string, nodes: number): ShardRecord {
    let record = this.byName.get(component);
    if (record === undefined) {
      record = new ShardRecord(component, scheme, nodes, this.windowUs, this.windows);
      this.byName.set(component, record);
      this.stores.push(record);
    }
    return record;
  }
}

/** How keys 1..count fall on the shards under one shard map (uniform keys: each key counts once). */
export interface KeySpread {
  /** Keys per node (0 on a node that is not a shard under this map). */
  readonly keysPerShard: readonly number[];
  /** The nodes that are shards under this map. */
  readonly shardNodes: readonly number[];
}

export class ShardRecord {
  /** Operations served, node-major: `servedPerWindow[node * windows + w]`. */
  readonly servedPerWindow: Float64Array;
  /** Keys 1..count per shard under the initial map, and under the map after the reshard (null without one). */
  before: KeySpread | null = null;
  after: KeySpread | null = null;
  /** Ring sharding with equal weights: virtual nodes per shard (for the expected spread); 0 otherwise. */
  virtualNodes = 0;
  /** Keys of 1..count whose owner differs between the two maps. */
  keysMoved = 0;
  keysTotal = 0;
  /** The reshard's planned time (on the nodes' clocks), NaN without one. */
  reshardAtUs = Number.NaN;
  /** True time the first shard started copying, and the last shard's copy was complete at every new owner. */
  migrationStartUs = Number.NaN;
  migrationEndUs = Number.NaN;
  /** Copies sent between shards (keys that existed, written keys and deletions included; resends too) and their bytes. */
  keysCopied = 0;
  bytesCopied = 0;
  /** Copies sent again because their new owner had not acknowledged them within the copy timeout (lost, or it was down). */
  copiesResent = 0;
  /** Reads of a not-yet-copied key the new owner forwarded to the old one (forward), or read and then asked the old one for (double-read). */
  readsForwarded = 0;
  doubleReads = 0;
  /** Writes of a not-yet-copied key applied at the old owner (they travel with the copy). */
  writesForwarded = 0;
  /** Requests that reached the old owner after it had copied their key away, and waited at the new owner for the copy. */
  requestsParked = 0;
  private readonly doneBy = new Set<string>();

  constructor(
    readonly component: string,
    readonly scheme: string,
    readonly nodes: number,
    private readonly windowUs: number,
    private readonly windows: number,
  ) {
    this.servedPerWindow = new Float64Array(nodes * windows);
  }

  /** Node `node` served one operation at true time `nowUs`. */
  served(node: number, nowUs: number): void {
    const w = Math.min(Math.floor(nowUs / this.windowUs), this.windows - 1);
    this.servedPerWindow[node * this.windows + w]++;
  }

  /** Operations node `node` served in window `w`. */
  servedIn(node: number, w: number): number {
    return this.servedPerWindow[node * this.windows + w];
  }

  get windowCount(): number {
    return this.windows;
  }

  get windowLengthUs(): number {
    return this.windowUs;
  }

  /** A shard switched to the new map and began copying the keys leaving it. */
  migrationStarted(nowUs: number): void {
    if (Number.isNaN(this.migrationStartUs) || nowUs < this.migrationStartUs) this.migrationStartUs = nowUs;
  }

  copied(sizeBytes: number): void {
    this.keysCopied++;
    this.bytesCopied += sizeBytes;
  }

  /** Shard node `to` has heard from shard node `from` that its copy is complete; the migration ends when every pair has. */
  copyComplete(from: number, to: number, nowUs: number): void {
    this.doneBy.add(`${from}>${to}`);
    if (this.doneBy.size === this.nodes * (this.nodes - 1)) this.migrationEndUs = nowUs;
  }
}
