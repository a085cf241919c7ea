/**
 * A replica's local view, for measurement only (divergence at heal,
 * convergence time): what a read served by this replica alone would return
 * for each key it holds. Values must compare with `===` or be arrays of
 * numbers (siblings, set elements), which the checkers compare element-wise.
 * Protocol logic must never call it.
 */
export interface InspectableReplica {
  localValues(): ReadonlyMap<number, number | null | readonly number[]>;
  /**
   * For stores that keep a log: every write value the log still holds. An
   * acknowledged write in no live replica's log was lost, however many
   * writes came after it, which the final values alone cannot tell.
   */
  retainedWrites?(): Iterable<number>;
}

export function isInspectableReplica(process: unknown): process is InspectableReplica {
  return typeof (process as Partial<InspectableReplica> | null)?.localValues === 'function';
}
