/**
 * What a run's caches saw, for the report's cache section (reports/caches/):
 * every cache-like component (a cache tier, a CDN tier) records each lookup
 * with its key class and object size, each eviction and expiry, what it
 * fetched from behind (the load it put on the database or the next tier),
 * the stale values it served, the writes it lost, and its memory; databases
 * record the latest committed version of every key and the load they served,
 * and writers record when each write was acknowledged (the truth stale reads
 * are judged against: a read is stale when it returns a value older than a
 * write completed before the read began).
 *
 * Counts are kept per reporting window in typed arrays, so memory grows with
 * windows and key classes, never with requests. Nothing here changes what a
 * model does: it is measurement, as RequestMetrics is.
 */

/** What a cache-like component is, for the report's labels and for the theory that applies to it. */
export type CacheRole = 'cache' | 'cdn-edge' | 'cdn-regional' | 'cdn-shield';

/** Receives one cache's request stream (for `--cache-trace`): true time, key, object size. Set by the CLI before the run. */
export interface CacheTraceSink {
  request(nowUs: number, key: number, sizeBytes: number): void;
}

export class CacheLog {
  readonly caches: CacheRecord[] = [];
  readonly databases: DatabaseRecord[] = [];
  private readonly cacheByName = new Map<string, CacheRecord>();
  private readonly databaseByName = new Map<string, DatabaseRecord>();

  /** `traceSinks`: component name → where its lookups are copied (`--cache-trace`). */
  constructor(
    readonly windowUs: number,
    readonly windows: number,
    private readonly traceSinks: ReadonlyMap<string, CacheTraceSink> = new Map(),
  ) {}

  /**
   * The record of cache component `component`, shared by all its nodes;
   * `keyClasses` names the classes lookups are counted under (index 0 first),
   * the same list from every node.
   */
  cache(component: string, role: CacheRole, keyClasses: readonly string[] = ['all']): CacheRecord {
    let record = this.cacheByName.get(component);
    if (record === undefined) {
      record = new CacheRecord(
        component,
        role,
        keyClasses,
        this.windowUs,
        this.windows,
        this.traceSinks.get(component),
      );
      this.cacheByName.set(component, record);
      this.caches.push(record);
    }
    return record;
  }

  /** The record of database (or origin) component `component`, shared by all its nodes. */
  database(component: string): DatabaseRecord {
    let record = this.databaseByName.get(component);
    if (record === undefined) {
      record = new DatabaseRecord(component, this.windowUs, this.windows);
      this.databaseByName.set(component, record);
      this.databases.push(record);
    }
    return record;
  }

  /** The database record named `component`, if one was created (a cache judging staleness looks up its backend's truth). */
  existingDatabase(component: string): DatabaseRecord | undefined {
    return this.databaseByName.get(component);
  }
}

function windowOf(nowUs: number, windowUs: number, windows: number): number {
  return Math.min(Math.floor(nowUs / windowUs), windows - 1);
}

export class CacheRecord {
  /** Lookups (reads answered from the cache or sent behind it) per window. */
  readonly lookups: Float64Array;
  readonly hits: Float64Array;
  readonly bytesRequested: Float64Array;
  readonly bytesHit: Float64Array;
  /** Requests this component sent to what is behind it (fills, write-throughs, flushes) per window: its load on the next tier. */
  readonly backendRequests: Float64Array;
  /** Bytes fetched from behind per window (origin egress, for a tier in front of the origin). */
  readonly backendBytes: Float64Array;
  readonly staleReadsPerWindow: Float64Array;
  readonly evictionsPerWindow: Float64Array;
  readonly expiriesPerWindow: Float64Array;
  /** Peak entries and bytes held (summed over the component's nodes) per window. */
  readonly peakEntries: Float64Array;
  readonly peakBytes: Float64Array;
  /** Per key class: lookups, hits, bytes requested, bytes hit. */
  readonly classLookups: Float64Array;
  readonly classHits: Float64Array;
  readonly classBytesRequested: Float64Array;
  readonly classBytesHit: Float64Array;
  /**
   * The same per key class and window, at `window × keyClasses.length + class`,
   * so the report can leave the warm-up out of each class's ratios.
   */
  readonly classLookupsPerWindow: Float64Array;
  readonly classHitsPerWindow: Float64Array;
  readonly classBytesRequestedPerWindow: Float64Array;
  readonly classBytesHitPerWindow: Float64Array;
  /** Writes the component accepted, and those a crash lost before they reached the database (write-behind). */
  writes = 0;
  lostWrites = 0;
  entries = 0;
  bytes = 0;
  /** The window of the last memory change, so the windows after it can be given the level they held. */
  private memoryWindow = 0;
  /**
   * Free-form counters a model adds for what only it does (`coalesced`,
   * `lockWaits`, `refreshes`, `purged`, `staleServedAfterPurge`): reported as
   * they are, in insertion order.
   */
  readonly details = new Map<string, number>();

  constructor(
    readonly component: string,
    readonly role: CacheRole,
    readonly keyClasses: readonly string[],
    private readonly windowUs: number,
    private readonly windows: number,
    private readonly trace: CacheTraceSink | undefined,
  ) {
    if (keyClasses.length === 0) throw new RangeError(`cache ${component}: at least one key class`);
    this.lookups = new Float64Array(windows);
    this.hits = new Float64Array(windows);
    this.bytesRequested = new Float64Array(windows);
    this.bytesHit = new Float64Array(windows);
    this.backendRequests = new Float64Array(windows);
    this.backendBytes = new Float64Array(windows);
    this.staleReadsPerWindow = new Float64Array(windows);
    this.evictionsPerWindow = new Float64Array(windows);
    this.expiriesPerWindow = new Float64Array(windows);
    this.peakEntries = new Float64Array(windows);
    this.peakBytes = new Float64Array(windows);
    this.classLookups = new Float64Array(keyClasses.length);
    this.classHits = new Float64Array(keyClasses.length);
    this.classBytesRequested = new Float64Array(keyClasses.length);
    this.classBytesHit = new Float64Array(keyClasses.length);
    this.classLookupsPerWindow = new Float64Array(windows * keyClasses.length);
    this.classHitsPerWindow = new Float64Array(windows * keyClasses.length);
    this.classBytesRequestedPerWindow = new Float64Array(windows * keyClasses.length);
    this.classBytesHitPerWindow = new Float64Array(windows * keyClasses.length);
  }

  /** A read looked `key` up at true time `nowUs`: a hit or a miss, of an object of `sizeBytes`, in key class `keyClass`. */
  lookup(nowUs: number, key: number, sizeBytes: number, hit: boolean, keyClass = 0): void {
    const w = windowOf(nowUs, this.windowUs, this.windows);
    this.lookups[w]++;
    this.bytesRequested[w] += sizeBytes;
    this.classLookups[keyClass]++;
    this.classBytesRequested[keyClass] += sizeBytes;
    const c = w * this.keyClasses.length + keyClass;
    this.classLookupsPerWindow[c]++;
    this.classBytesRequestedPerWindow[c] += sizeBytes;
    if (hit) {
      this.hits[w]++;
      this.bytesHit[w] += sizeBytes;
      this.classHits[keyClass]++;
      this.classBytesHit[keyClass] += sizeBytes;
      this.classHitsPerWindow[c]++;
      this.classBytesHitPerWindow[c] += sizeBytes;
    }
    this.trace?.request(nowUs, key, sizeBytes);
  }

  /** The cache sent a request behind it (a fill, a write-through, a flush), carrying or asking for `sizeBytes`. */
  backendRequest(nowUs: number, sizeBytes = 0): void {
    const w = windowOf(nowUs, this.windowUs, this.windows);
    this.backendRequests[w]++;
    this.backendBytes[w] += sizeBytes;
  }

  /** The cache answered a read with a value older than the database's latest committed one. */
  staleRead(nowUs: number): void {
    this.staleReadsPerWindow[windowOf(nowUs, this.windowUs, this.windows)]++;
  }

  evicted(nowUs: number, count = 1): void {
    this.evictionsPerWindow[windowOf(nowUs, this.windowUs, this.windows)] += count;
  }

  expired(nowUs: number, count = 1): void {
    this.expiriesPerWindow[windowOf(nowUs, this.windowUs, this.windows)] += count;
  }

  /**
   * Entries and bytes held changed by these amounts on one of the component's
   * nodes (negative when freed, or all of them at a crash). The windows since
   * the previous change held the level before this one from their start, so
   * it is their peak too; windows after the last change are the report's to
   * fill with the final level (`entries`, `bytes`).
   */
  memoryChanged(nowUs: number, entriesDelta: number, bytesDelta: number): void {
    const w = windowOf(nowUs, this.windowUs, this.windows);
    for (let v = this.memoryWindow + 1; v <= w; v++) {
      if (this.entries > this.peakEntries[v]) this.peakEntries[v] = this.entries;
      if (this.bytes > this.peakBytes[v]) this.peakBytes[v] = this.bytes;
    }
    if (w > this.memoryWindow) this.memoryWindow = w;
    this.entries += entriesDelta;
    this.bytes += bytesDelta;
    if (this.entries > this.peakEntries[w]) this.peakEntries[w] = this.entries;
    if (this.bytes > this.peakBytes[w]) this.peakBytes[w] = this.bytes;
  }

  count(detail: string, by = 1): void {
    this.details.set(detail, (this.details.get(detail) ?? 0) + by);
  }
}

/**
 * A database's truth and load: the latest committed version of every key
 * (versions count up from 1 per key; 0 is "never written"), and the reads and
 * writes it served per window.
 */
export class DatabaseRecord {
  readonly reads: Float64Array;
  readonly writes: Float64Array;
  private readonly versions = new Map<number, number>();
  private readonly acknowledgedVersions = new Map<number, number>();
  private readonly acknowledgedAtUs = new Map<number, number>();

  constructor(
    readonly component: string,
    private readonly windowUs: number,
    private readonly windows: number,
  ) {
    this.reads = new Float64Array(windows);
    this.writes = new Float64Array(windows);
  }

  served(nowUs: number, write: boolean): void {
    const w = windowOf(nowUs, this.windowUs, this.windows);
    if (write) this.writes[w]++;
    else this.reads[w]++;
  }

  /** A write of `key` at `version` committed; versions only move forwards. */
  committed(key: number, version: number): void {
    if (version > (this.versions.get(key) ?? 0)) this.versions.set(key, version);
  }

  /** The latest committed version of `key` (0 when never written). */
  latest(key: number): number {
    return this.versions.get(key) ?? 0;
  }

  /**
   * The writer of `key` at `version` (a cache answering its caller, or
   * flushing a write-behind entry) got the database's answer at true time
   * `nowUs`: the write is complete, and reads that start later must see it
   * (a `deleted` key must then read as not found).
   */
  acknowledged(key: number, version: number, nowUs: number, deleted = false): void {
    if (version > Math.abs(this.acknowledgedVersions.get(key) ?? 0)) {
      this.acknowledgedVersions.set(key, deleted ? -version : version);
      this.acknowledgedAtUs.set(key, nowUs);
    }
  }

  /**
   * Whether a read of `key` that arrived at true time `arrivedUs` and was
   * answered with `version` (0: not found) is stale: older than a write
   * acknowledged before the read arrived, or, after an acknowledged delete,
   * anything but not found. A write still in flight, or acknowledged after
   * the read arrived, is concurrent with it and either value is a correct
   * answer (linearizability allows both). Only the newest acknowledged write
   * is kept per key, so a read overlapping it is never counted, even when an
   * older acknowledged write would make it stale: an undercount only when one
   * key is written twice within a read's duration.
   */
  isStale(key: number, version: number, arrivedUs: number): boolean {
    const signed = this.acknowledgedVersions.get(key);
    if (signed === undefined || this.acknowledgedAtUs.get(key)! > arrivedUs) return false;
    // A delete's version is stored negated: after it, only "not found" (version 0) is fresh.
    return signed < 0 ? version !== 0 && version < -signed : version < signed;
  }
}
