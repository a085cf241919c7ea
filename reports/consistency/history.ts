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

/**
 * An invocation paired with its outcome. `output` is the completion's value
 * (a read's result); an operation whose outcome is unknown (`info`, or no
 * completion before the history ends) may take effect at any time after its
 * call, so it returns at +Infinity and `output` is null.
 */
export interface Operation {
  /** Index in the history's operations, in invocation order. */
  id: number;
  process: number;
  f: string;
  key: string | undefined;
  input: Value;
  output: Value;
  callTime: number;
  returnTime: number;
  unknown: boolean;
}

/** A history that breaks Jepsen's rules, with the line (of the file, or the 1-based event index) it breaks them at. */
export class HistoryError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}

/**
 * Pairs each invocation with its process's next completion. Failed
 * operations are dropped (they did not happen); `isReadOnly` operations with
 * an unknown outcome are dropped too, since they changed nothing.
 */
export function pairOperations(events: readonly HistoryEvent[], isReadOnly: (f: string) => boolean): Operation[] {
  const open = new Map<number, { event: HistoryEvent; time: number }>();
  const pending: { event: HistoryEvent; time: number; completion: HistoryEvent | null; returnTime: number }[] = [];
  const byProcess = new Map<number, number>();
  const timed = events.filter((e) => e.timeUs !== undefined).length;
  if (timed > 0 && timed < events.length) {
    const index = events.findIndex((e) => e.timeUs === undefined);
    throw new HistoryError('some events have a time and some do not; give every event a timeUs, or none (then the order of the lines is the time)', events[index].line ?? index + 1);
  }
  events.forEach((event, index) => {
    const line = event.line ?? index + 1;
    const time = event.timeUs ?? index + 1;
    if (event.type === 'invoke') {
      if (open.has(event.process)) throw new HistoryError(`process ${event.process} invokes ${event.f} while its previous operation is still open`, line);
      open.set(event.process, { event, time });
      byProcess.set(event.process, pending.length);
      pending.push({ event, time, completion: null, returnTime: Infinity });
      return;
    }
    const call = open.get(event.process);
    if (call === undefined) throw new HistoryError(`process ${event.process} completes ${event.f} (${event.type}) without invoking it`, line);
    if (call.event.f !== event.f) throw new HistoryError(`process ${event.process} invoked ${call.event.f} but completes ${event.f}`, line);
    if (time < call.time) throw new HistoryError(`process ${event.process} completes ${event.f} before invoking it (time ${time} < ${call.time})`, line);
    open.delete(event.process);
    const slot = pending[byProcess.get(event.process)!];
    slot.completion = event;
    if (event.type !== 'info') slot.returnTime = time;
  });
  const operations: Operation[] = [];
  for (const { event, time, completion, returnTime } of pending) {
    const type = completion?.type ?? 'info';
    if (type === 'fail') continue;
    const unknown = type === 'info';
    if (unknown && isReadOnly(event.f)) continue;
    operations.push({
      id: operations.length,
      process: event.process,
      f: event.f,
      key: event.key,
      input: event.value,
      output: unknown ? null : completion!.value,
      callTime: time,
      returnTime,
      unknown,
    });
  }
  return operations;
}
