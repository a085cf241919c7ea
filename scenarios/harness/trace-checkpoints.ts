import type { Simulation } from '../../engine/simulation.js';

/** Events between the first checkpoints; the spacing doubles whenever MAX_CHECKPOINTS would be passed. */
export const FIRST_CHECKPOINT_EVENTS = 1024;
/** Checkpoints a run keeps at most: a few kilobytes of report however long the run. */
export const MAX_CHECKPOINTS = 256;

/** The trace hash after every `everyEvents` events (the first after `everyEvents`), so two runs can be compared window by window. */
export interface TraceCheckpoints {
  everyEvents: number;
  hashes: string[];
}

/**
 * Records the trace hash every so many events, with the spacing doubled (and
 * every other checkpoint dropped) when there would be too many: the same run
 * always ends with the same list, whatever its length.
 */
export class CheckpointRecorder {
  everyEvents = FIRST_CHECKPOINT_EVENTS;
  hashes: string[] = [];

  /** The event count at which the next checkpoint falls. */
  get nextAt(): number {
    return (this.hashes.length + 1) * this.everyEvents;
  }

  record(hash: string): void {
    this.hashes.push(hash);
    if (this.hashes.length > MAX_CHECKPOINTS) {
      this.hashes = this.hashes.filter((_, i) => i % 2 === 1);
      this.everyEvents *= 2;
    }
  }

  /**
   * Runs `sim` as `sim.run({ untilUs, maxEvents })` would, stopping at each
   * checkpoint on the way to take the hash: stopping between events changes
   * nothing in the run.
   */
  run(sim: Simulation, untilUs: number, maxEvents: number): void {
    const stopAt = sim.events + maxEvents;
    for (;;) {
      const target = Math.min(stopAt, this.nextAt);
      sim.advance({ untilUs, maxEvents: target - sim.events });
      if (sim.events === this.nextAt) this.record(sim.traceHashNow());
      if (sim.events < target || sim.events >= stopAt) return;
    }
  }

  result(): TraceCheckpoints {
    return { everyEvents: this.everyEvents, hashes: [...this.hashes] };
  }
}
