/**
 * The pending-event set. Events are totally ordered by time, then by insertion
 * sequence, so events at equal times pop first-in first-out.
 *
 * An event is five scalars and one reference, never an object the queue
 * allocates: `kind` says what it is, `target` is usually a node id, `a` and `b`
 * are kind-specific numbers and `ref` an optional payload (a message, a fault).
 * `pop()` copies the earliest live event into the queue's `current*` fields,
 * which stay valid until the next `pop()`.
 */
export type EventHandle = number;

/** A live event as `pending()` lists it. */
export interface QueuedEvent {
  timeUs: number;
  seq: number;
  kind: number;
  target: number;
  a: number;
  b: number;
  ref: unknown;
}

export interface EventQueue {
  /** Live events: pushed, not yet popped, not cancelled. */
  readonly size: number;
  /** Sequence number the next push will get: how many events were pushed since creation or the last `clear()`. */
  readonly nextSeq: number;

  push(timeUs: number, kind: number, target: number, a: number, b: number, ref: unknown): EventHandle;
  /** Cancels a pending event; false if it already popped or was cancelled. O(1). */
  cancel(handle: EventHandle): boolean;
  /**
   * Moves the earliest live event into the `current*` fields, if it is due by `untilUs` (any time by default);
   * false when there is none: the run loop's peek and pop in one call.
   */
  pop(untilUs?: number): boolean;
  /** Time of the earliest live event, or Infinity when empty. */
  peekTimeUs(): number;
  clear(): void;
  /** Every live event in the order `pop` would give them; a copy, for inspecting a stopped run (not for the run loop). */
  pending(): QueuedEvent[];

  /** The handle `push` returned for the current event (no longer cancellable). */
  readonly currentHandle: EventHandle;
  readonly currentTimeUs: number;
  readonly currentSeq: number;
  readonly currentKind: number;
  readonly currentTarget: number;
  readonly currentA: number;
  readonly currentB: number;
  readonly currentRef: unknown;
}
