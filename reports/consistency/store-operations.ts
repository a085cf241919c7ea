import type { RecordedEvent } from '../../models/measure/history-recorder.js';
import type { Value } from './history.js';

/** How an operation ended: done, definitely not done, unknown (timed out), or still open when the run ended (unknown too). */
export type Outcome = 'ok' | 'fail' | 'info' | 'open';

/** A store operation: its invocation and completion from the history, paired. */
export interface StoreOperation {
  process: number;
  session: number;
  f: string;
  key: number;
  input: Value;
  output: Value;
  outcome: Outcome;
  error: string | undefined;
  invokeUs: number;
  /** null while open at the end of the run. */
  completeUs: number | null;
}

/** What a key is, by the operations that change it: a register (write, cas), a counter (add) or a set (insert, delete). */
export type KeyKind = 'register' | 'counter' | 'set' | 'mixed';

const KIND_OF: Record<string, KeyKind> = {
  write: 'register',
  cas: 'register',
  add: 'counter',
  insert: 'set',
  delete: 'set',
};

/** A write of a register value (a write, or the new value of a cas), found by the value it wrote: values are unique across a run. */
export interface RegisterWrite {
  op: StoreOperation;
  value: number;
  /** Acknowledged: when the store said it was done; null when it did not (fail, info, open). */
  ackUs: number | null;
}

/**
 * A run's history as the weaker checkers read it: operations paired and
 * grouped by key, each key classified, and register writes found by value.
 * Reads of a key are judged against the writes of that key only.
 */
export class StoreHistory {
  readonly operations: StoreOperation[] = [];
  readonly byKey = new Map<number, StoreOperation[]>();
  readonly kinds = new Map<number, KeyKind>();
  private readonly writes = new Map<number, RegisterWrite>();

  constructor(events: readonly RecordedEvent[]) {
    const open = new Map<number, StoreOperation>();
    for (const e of events) {
      if (e.type === 'invoke') {
        const op: StoreOperation = {
          process: e.process,
          session: e.session,
          f: e.f,
          key: Number(e.key),
          input: e.value,
          output: null,
          outcome: 'open',
          error: undefined,
          invokeUs: e.timeUs ?? 0,
          completeUs: null,
        };
        open.set(e.process, op);
        this.operations.push(op);
        continue;
      }
      const op = open.get(e.process);
      if (op === undefined) continue;
      open.delete(e.process);
      op.outcome = e.type;
      op.output = e.value;
      op.error = e.error;
      op.completeUs = e.timeUs ?? null;
    }
    for (const op of this.operations) {
      let list = this.byKey.get(op.key);
      if (list === undefined) this.byKey.set(op.key, (list = []));
      list.push(op);
      const kind = KIND_OF[op.f];
      if (kind !== undefined) {
        const before = this.kinds.get(op.key);
        this.kinds.set(op.key, before === undefined || before === kind ? kind : 'mixed');
      }
      const value = writtenValue(op);
      if (value !== null) this.writes.set(value, { op, value, ackUs: op.outcome === 'ok' ? op.completeUs : null });
    }
    // Keys only ever read are registers that were never written.
    for (const key of this.byKey.keys()) if (!this.kinds.has(key)) this.kinds.set(key, 'register');
  }

  keysOf(kind: KeyKind): number[] {
    return [...this.byKey.keys()].filter((k) => this.kinds.get(k) === kind).sort((a, b) => a - b);
  }

  /** The register write that wrote `value`, if any operation did. */
  writeOf(value: number): RegisterWrite | undefined {
    return this.writes.get(value);
  }

  /**
   * "a is older than b" in real time: `a` (a value a read or replica saw) was
   * written by a write acknowledged before the write of `b` was invoked, or
   * is the empty initial value while `b` is a write. A value no write
   * explains, or only a write the store said failed, counts as older than
   * everything (it should not be there). Writes with an unknown outcome are
   * older than nothing: they may have taken effect at any time after they
   * were invoked.
   */
  isOlder(a: number | null, b: RegisterWrite): boolean {
    if (a === null) return true;
    const w = this.writes.get(a);
    if (w === undefined || w.op.outcome === 'fail') return true;
    return w.ackUs !== null && w.ackUs < b.op.invokeUs;
  }
}

/** The register value an operation writes: a write's value, a cas's new value; null for anything else. */
export function writtenValue(op: StoreOperation): number | null {
  if (op.f === 'write' && typeof op.input === 'number') return op.input;
  if (op.f === 'cas' && Array.isArray(op.input) && typeof op.input[1] === 'number') return op.input[1];
  return null;
}

/** The values a register read returned: one, or every sibling of a store that keeps concurrent versions. */
export function readValues(op: StoreOperation): (number | null)[] {
  if (Array.isArray(op.output)) return op.output.filter((v): v is number => typeof v === 'number');
  return [typeof op.output === 'number' ? op.output : null];
}

/** A store answered the operation, whether or not it was done: ok, or a cas whose compare failed (an answer, not an outage). */
export function wasAnswered(op: StoreOperation): boolean {
  return op.outcome === 'ok' || (op.outcome === 'fail' && op.error === 'cas-mismatch');
}
