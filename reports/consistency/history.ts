import type { HistoryEvent, Value } from '../../models/measure/history-events.js';

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
    throw new HistoryError(
      'some events have a time and some do not; give every event a timeUs, or none (then the order of the lines is the time)',
      events[index].line ?? index + 1,
    );
  }
  events.forEach((event, index) => {
    const line = event.line ?? index + 1;
    const time = event.timeUs ?? index + 1;
    if (event.type === 'invoke') {
      if (open.has(event.process))
        throw new HistoryError(
          `process ${event.process} invokes ${event.f} while its previous operation is still open`,
          line,
        );
      open.set(event.process, { event, time });
      byProcess.set(event.process, pending.length);
      pending.push({ event, time, completion: null, returnTime: Infinity });
      return;
    }
    const call = open.get(event.process);
    if (call === undefined)
      throw new HistoryError(`process ${event.process} completes ${event.f} (${event.type}) without invoking it`, line);
    if (call.event.f !== event.f)
      throw new HistoryError(`process ${event.process} invoked ${call.event.f} but completes ${event.f}`, line);
    if (time < call.time)
      throw new HistoryError(
        `process ${event.process} completes ${event.f} before invoking it (time ${time} < ${call.time})`,
        line,
      );
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
