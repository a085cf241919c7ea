import type { EventType, HistoryEvent, Value } from '../../models/measure/history-events.js';

export { EdnAtom } from '../../models/measure/history-events.js';
export type { EventType, HistoryEvent, Value } from '../../models/measure/history-events.js';

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
 * Pairs each invocation with its process's next completion, one event at a
 * time, so a history read from a file is never held whole. Failed operations
 * are dropped (they did not happen); `isReadOnly` operations with an unknown
 * outcome are dropped too, since they changed nothing. What it keeps is one
 * slot per invocation until `operations()`.
 */
export class OperationPairer {
  private readonly open = new Map<number, Slot>();
  private readonly slots: Slot[] = [];
  private events = 0;
  /** Whether events carry times; the first event decides and every other must agree. */
  private timedHistory: boolean | undefined;

  constructor(private readonly isReadOnly: (f: string) => boolean) {}

  get timed(): boolean {
    return this.timedHistory === true;
  }

  add(event: HistoryEvent): void {
    this.events++;
    const line = event.line ?? this.events;
    const timed = event.timeUs !== undefined;
    this.timedHistory ??= timed;
    if (timed !== this.timedHistory)
      throw new HistoryError(
        `some events have a time and some do not (this one ${timed ? 'has one and the first had none' : 'has none and the first had one'}); give every event a timeUs, or none (then the order of the lines is the time)`,
        line,
      );
    const time = event.timeUs ?? this.events;
    if (event.type === 'invoke') {
      if (this.open.has(event.process))
        throw new HistoryError(
          `process ${event.process} invokes ${event.f} while its previous operation is still open`,
          line,
        );
      const slot: Slot = {
        process: event.process,
        f: event.f,
        key: event.key,
        input: event.value,
        callTime: time,
        outcome: 'info',
        output: null,
        returnTime: Infinity,
      };
      this.open.set(event.process, slot);
      this.slots.push(slot);
      return;
    }
    const slot = this.open.get(event.process);
    if (slot === undefined)
      throw new HistoryError(`process ${event.process} completes ${event.f} (${event.type}) without invoking it`, line);
    if (slot.f !== event.f)
      throw new HistoryError(`process ${event.process} invoked ${slot.f} but completes ${event.f}`, line);
    if (time < slot.callTime)
      throw new HistoryError(
        `process ${event.process} completes ${event.f} before invoking it (time ${time} < ${slot.callTime})`,
        line,
      );
    this.open.delete(event.process);
    slot.outcome = event.type;
    if (event.type !== 'info') {
      slot.output = event.value;
      slot.returnTime = time;
    }
  }

  /** The operations, in invocation order; an invocation never completed has an unknown outcome. */
  operations(): Operation[] {
    const operations: Operation[] = [];
    for (const slot of this.slots) {
      if (slot.outcome === 'fail') continue;
      const unknown = slot.outcome === 'info';
      if (unknown && this.isReadOnly(slot.f)) continue;
      operations.push({
        id: operations.length,
        process: slot.process,
        f: slot.f,
        key: slot.key,
        input: slot.input,
        output: unknown ? null : slot.output,
        callTime: slot.callTime,
        returnTime: unknown ? Infinity : slot.returnTime,
        unknown,
      });
    }
    return operations;
  }
}

interface Slot {
  process: number;
  f: string;
  key: string | undefined;
  input: Value;
  callTime: number;
  outcome: EventType;
  output: Value;
  returnTime: number;
}

/** Pairs the events of a history held in memory (see `OperationPairer`). */
export function pairOperations(events: readonly HistoryEvent[], isReadOnly: (f: string) => boolean): Operation[] {
  const pairer = new OperationPairer(isReadOnly);
  for (const event of events) pairer.add(event);
  return pairer.operations();
}
