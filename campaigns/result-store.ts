import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CampaignPlan, RunRecord } from './campaign-types.js';
import { StoreError } from './store-error.js';

export { StoreError } from './store-error.js';

/** Written in every store's `meta` table; a database without it is someone else's. */
const STORE_FORMAT = 'faultline result store';
/** Raised when the tables change shape; an older faultline refuses a newer store rather than misread it. */
export const STORE_SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE campaigns (
    position INTEGER PRIMARY KEY,
    campaign_key TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL
  );
  CREATE TABLE runs (
    key TEXT PRIMARY KEY,
    configuration INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    trace_hash TEXT NOT NULL,
    events INTEGER NOT NULL,
    slo_passed INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    wall_ms REAL NOT NULL,
    worker TEXT NOT NULL
  ) WITHOUT ROWID;
`;

/** Keys per query when looking many up: one JSON array each, read by json_each. */
const KEYS_PER_QUERY = 10_000;

/** A run as the `runs` table holds it. */
interface RunRow {
  key: string;
  configuration: number;
  seed: number;
  trace_hash: string;
  events: number;
  slo_passed: number;
  metrics: string;
  wall_ms: number;
  worker: string;
}

/** Another store's run whose key is stored here with a different result. */
export interface RunConflict {
  key: string;
  configuration: number;
  seed: number;
  /** The result already stored, which is kept. */
  kept: { traceHash: string; worker: string };
  /** The other store's result, which is not. */
  refused: { traceHash: string; worker: string };
}

/** What `absorb` copied from one store. */
export interface AbsorbCounts {
  campaignsAdded: number;
  /** Runs in the other store. */
  runs: number;
  added: number;
  /** Runs stored here already with the same result. */
  duplicates: number;
  conflicts: RunConflict[];
}

function toRow(record: RunRecord): RunRow {
  return {
    key: record.key,
    configuration: record.configuration,
    seed: record.seed,
    trace_hash: record.traceHash,
    events: record.events,
    slo_passed: record.sloPassed ? 1 : 0,
    metrics: JSON.stringify(record.metrics),
    wall_ms: record.wallMs,
    worker: record.worker,
  };
}

function toRecord(row: RunRow): RunRecord {
  return {
    key: row.key,
    configuration: row.configuration,
    seed: row.seed,
    traceHash: row.trace_hash,
    events: row.events,
    sloPassed: row.slo_passed === 1,
    metrics: JSON.parse(row.metrics) as RunRecord['metrics'],
    wallMs: row.wall_ms,
    worker: row.worker,
  };
}

/** Two results of one run agree when everything but who ran it and how long it took is equal. */
function sameResult(a: RunRow, b: RunRow): boolean {
  return (
    a.trace_hash === b.trace_hash && a.events === b.events && a.slo_passed === b.slo_passed && a.metrics === b.metrics
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Makes `folder` and its missing parents, one level at a time: Node's
 * recursive mkdir never returns for a path under /proc.
 */
function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let f = folder; !existsSync(f); f = dirname(f)) missing.unshift(f);
  for (const f of missing) mkdirSync(f);
}

const sqliteCode = (error: unknown) => (error instanceof Database.SqliteError ? error.code : undefined);

/** An error from opening or reading a file as a store, in words, with what to do. */
function openFailure(file: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error);
  const message = (error as Error)?.message ?? String(error);
  if (code === 'SQLITE_NOTADB')
    return new StoreError(
      file,
      'not a SQLite database, so not a faultline result store; give the path of a store written by faultline sweep, or a new file name',
    );
  if (code === 'SQLITE_READONLY')
    return new StoreError(file, `cannot write to it (${message}); check its permissions, or give another file`);
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM')
    return new StoreError(file, `cannot open it (${message}); check its permissions, or give another file`);
  if (code === 'SQLITE_CORRUPT')
    return new StoreError(file, `the database is damaged (${message}); give another file, or a copy from before`);
  if (code === 'SQLITE_BUSY')
    return new StoreError(file, `another process holds it locked (${message}); wait for it to finish and try again`);
  return new StoreError(file, `cannot open it as a result store: ${message}`);
}

/**
 * The runs of campaigns, kept in one SQLite file (WAL journal) under their
 * content keys. Every stored run commits on its own, so a process killed at
 * any moment loses only the runs it had not yet put, and the file still opens.
 */
export class ResultStore {
  private readonly insertRun: Database.Statement<RunRow>;
  private readonly selectRun: Database.Statement<[string], RunRow>;
  private readonly insertCampaign: Database.Statement<[string, string]>;

  private constructor(
    private readonly db: Database.Database,
    /** The file, as given. */
    readonly path: string,
  ) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (key, configuration, seed, trace_hash, events, slo_passed, metrics, wall_ms, worker)
       VALUES (@key, @configuration, @seed, @trace_hash, @events, @slo_passed, @metrics, @wall_ms, @worker)
       ON CONFLICT (key) DO NOTHING`,
    );
    this.selectRun = db.prepare('SELECT * FROM runs WHERE key = ?');
    this.insertCampaign = db.prepare(
      'INSERT INTO campaigns (campaign_key, plan) VALUES (?, ?) ON CONFLICT (campaign_key) DO NOTHING',
    );
  }

  /**
   * Opens the store at `path`, creating it (and its folder) when missing.
   * `readOnly` opens an existing store without ever writing to it. Refuses
   * with a StoreError a folder, a file that is not SQLite, a SQLite database
   * that is not a faultline store, and a store of a newer schema.
   */
  static open(path: string, options: { readOnly?: boolean } = {}): ResultStore {
    const readOnly = options.readOnly ?? false;
    if (path.trim() === '')
      throw new StoreError("''", "the store's file name is empty; give one, like --store results.db");
    let exists = false;
    try {
      const stat = statSync(path);
      if (stat.isDirectory())
        throw new StoreError(path, 'this is a folder; give the name of a file in it, like results.db');
      exists = true;
    } catch (error) {
      if (error instanceof StoreError) throw error;
    }
    if (!exists && readOnly)
      throw new StoreError(
        path,
        'no such file; give the path of a store written by faultline sweep or faultline merge',
      );
    if (!exists) {
      try {
        makeFolders(dirname(resolve(path)));
      } catch (error) {
        throw new StoreError(
          path,
          `cannot create its folder: ${(error as Error).message}; give a path where files can be made`,
        );
      }
    }

    let db: Database.Database;
    try {
      db = new Database(path, { readonly: readOnly, fileMustExist: readOnly });
    } catch (error) {
      throw openFailure(path, error);
    }
    try {
      if (!readOnly) db.pragma('journal_mode = WAL');
      ResultStore.checkOrCreate(db, path, readOnly);
      return new ResultStore(db, path);
    } catch (error) {
      db.close();
      throw openFailure(path, error);
    }
  }

  /** Checks that `db` is a store this faultline can read, making the tables in an empty database. */
  private static checkOrCreate(db: Database.Database, path: string, readOnly: boolean): void {
    const check = () => {
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .all()
        .map((row) => row.name);
      if (tables.length === 0) {
        if (readOnly)
          throw new StoreError(path, 'an empty SQLite database, not a faultline result store; give another file');
        db.exec(SCHEMA);
        db.prepare('INSERT INTO meta (name, value) VALUES (?, ?), (?, ?)').run(
          'format',
          STORE_FORMAT,
          'schemaVersion',
          String(STORE_SCHEMA_VERSION),
        );
        return;
      }
      const meta = tables.includes('meta')
        ? new Map(
            db
              .prepare<[], { name: string; value: string }>('SELECT name, value FROM meta')
              .all()
              .map((row) => [row.name, row.value]),
          )
        : new Map<string, string>();
      if (meta.get('format') !== STORE_FORMAT) {
        const listed = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
        throw new StoreError(
          path,
          `a SQLite database, but not a faultline result store (its tables: ${listed}); give another file name, and faultline creates a store there`,
        );
      }
      const version = Number(meta.get('schemaVersion'));
      if (!Number.isInteger(version) || version > STORE_SCHEMA_VERSION)
        throw new StoreError(
          path,
          `a result store of schema version ${meta.get('schemaVersion')}, newer than this faultline reads (${STORE_SCHEMA_VERSION}); use the faultline that wrote it, or a newer one`,
        );
    };
    // Immediate: two processes creating one store at once make its tables once.
    if (readOnly) check();
    else db.transaction(check).immediate();
  }

  /** Keeps the plan under its campaign key; saving the same campaign again changes nothing. */
  saveCampaign(plan: CampaignPlan): void {
    this.insertCampaign.run(plan.campaignKey, JSON.stringify(plan));
  }

  /** The stored plans, first saved first. */
  campaigns(): CampaignPlan[] {
    return this.db
      .prepare<[], { plan: string }>('SELECT plan FROM campaigns ORDER BY position')
      .all()
      .map((row) => JSON.parse(row.plan) as CampaignPlan);
  }

  /** Which of `keys` have a stored run. */
  storedKeys(keys: readonly string[]): Set<string> {
    const query = this.db
      .prepare<[string], string>('SELECT runs.key FROM json_each(?) AS wanted JOIN runs ON runs.key = wanted.value')
      .pluck();
    const stored = new Set<string>();
    for (const chunk of chunks(keys, KEYS_PER_QUERY))
      for (const key of query.all(JSON.stringify(chunk))) stored.add(key);
    return stored;
  }

  /**
   * Stores `record` unless a run of its key is stored. When one is, nothing
   * changes, and `conflict` gives the stored trace hash and worker if the
   * stored result differs (anything but `wallMs` and `worker`): the same run
   * gave two results, a determinism failure the caller reports.
   */
  put(record: RunRecord): { stored: boolean; conflict: null | { traceHash: string; worker: string } } {
    const row = toRow(record);
    if (this.insertRun.run(row).changes === 1) return { stored: true, conflict: null };
    const stored = this.selectRun.get(record.key);
    if (stored === undefined || sameResult(stored, row)) return { stored: false, conflict: null };
    return { stored: false, conflict: { traceHash: stored.trace_hash, worker: stored.worker } };
  }

  /** The stored runs among `keys`, in the order of `keys`. */
  records(keys: readonly string[]): Map<string, RunRecord> {
    const query = this.db.prepare<[string], RunRow>(
      'SELECT runs.* FROM json_each(?) AS wanted JOIN runs ON runs.key = wanted.value',
    );
    const found = new Map<string, RunRow>();
    for (const chunk of chunks(keys, KEYS_PER_QUERY))
      for (const row of query.all(JSON.stringify(chunk))) found.set(row.key, row);
    const out = new Map<string, RunRecord>();
    for (const key of keys) {
      const row = found.get(key);
      if (row !== undefined) out.set(key, toRecord(row));
    }
    return out;
  }

  runCount(): number {
    return this.db.prepare<[], number>('SELECT count(*) FROM runs').pluck().get() ?? 0;
  }

  /**
   * Copies the campaigns and runs of `other` that are not here, in one
   * transaction: all of them or, on a failure, none. A run stored here with a
   * different result is not copied but returned as a conflict.
   */
  absorb(other: ResultStore): AbsorbCounts {
    const copy = () => {
      let campaignsAdded = 0;
      for (const row of other.db
        .prepare<[], { campaign_key: string; plan: string }>(
          'SELECT campaign_key, plan FROM campaigns ORDER BY position',
        )
        .iterate())
        campaignsAdded += this.insertCampaign.run(row.campaign_key, row.plan).changes;

      const counts: AbsorbCounts = { campaignsAdded, runs: 0, added: 0, duplicates: 0, conflicts: [] };
      for (const row of other.db.prepare<[], RunRow>('SELECT * FROM runs').iterate()) {
        counts.runs++;
        if (this.insertRun.run(row).changes === 1) {
          counts.added++;
          continue;
        }
        const kept = this.selectRun.get(row.key)!;
        if (sameResult(kept, row)) counts.duplicates++;
        else
          counts.conflicts.push({
            key: row.key,
            configuration: row.configuration,
            seed: row.seed,
            kept: { traceHash: kept.trace_hash, worker: kept.worker },
            refused: { traceHash: row.trace_hash, worker: row.worker },
          });
      }
      return counts;
    };
    return this.db.transaction(copy).immediate();
  }

  /**
   * Closes the store. A store no one else has open is left as one file
   * (rollback journal, no -wal or -shm beside it): ready to copy from a
   * cluster, and read without any file being made beside it.
   */
  close(): void {
    if (!this.db.readonly)
      try {
        this.db.pragma('busy_timeout = 0');
        this.db.pragma('journal_mode = DELETE');
      } catch {
        // Another process has it open; it stays in WAL mode until the last one closes.
      }
    this.db.close();
  }
}
