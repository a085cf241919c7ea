import type { RunSpec } from './campaign-types.js';
import { describeRun } from './job-queue.js';

/** How the fleet fails, apart from its heavy modules, so that the CLI can tell these errors apart at no cost. */

/** Redis could not be reached, or refused us; the message says what to do. */
export class RedisUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnreachable';
  }
}

/** A run failed on a fleet worker (the simulation threw, or it stalled too often); the whole campaign fails with it. */
export class FleetRunFailed extends Error {
  constructor(
    readonly spec: RunSpec,
    readonly worker: string | null,
    reason: string,
  ) {
    super(`run ${describeRun(spec)} failed on ${worker === null ? 'a fleet worker' : `worker ${worker}`}: ${reason}`);
    this.name = 'FleetRunFailed';
  }
}
