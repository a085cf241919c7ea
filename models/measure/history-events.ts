/**
 * The events of a store's history, in Jepsen's shape: what store clients
 * record while a run goes on, what `faultline check` reads from files, and
 * what the consistency checkers judge.
 */

/**
 * An EDN value JavaScript has no exact equivalent for: a keyword (`:foo`), a
 * boolean, or an integer beyond 2^53. It is kept as its canonical EDN text,
 * so it is never equal to a string or a number (`:foo`, `"foo"` and
 * `":foo"` are three values, `true` is not `"true"`, and two integers that
 * round to the same double stay two). Checkers compare values by their JSON
 * (`{"edn":":foo"}`), so two atoms with the same text are the same value;
 * do not compare them with ===.
 */
export class EdnAtom {
  constructor(readonly edn: string) {}
}

/** A value in a history: what Jepsen's histories hold (nil, integers, strings, keywords, booleans, vectors such as a cas's [from to]). */
export type Value = null | number | string | EdnAtom | readonly Value[];

/** Jepsen's event types: an invocation, and its outcome: done, definitely not done, or unknown. */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** One line of a history, in Jepsen's shape. */
export interface HistoryEvent {
  process: number;
  type: EventType;
  /** The operation: read, write, cas, get, put, append. */
  f: string;
  /** For maps: which key; absent for a single register. */
  key?: string;
  value: Value;
  /** When it happened; absent in formats that only give the order (then the event's 1-based position is its time). */
  timeUs?: number;
  /** The line of the file it was read from, for errors; absent when not read from a file (then its 1-based position stands in). */
  line?: number;
}
