import type { RunRecord, RunSpec } from './campaign-types.js';

/**
 * What the coordinator (fleet-coordinator.ts) and the fleet workers
 * (fleet-worker.ts) agree on: one BullMQ queue of runs, each job named by
 * its run's key and carrying its RunSpec, each result a RunRecord.
 */

/** The one queue every campaign shares; a job's id is its run's key, so runs of different campaigns never collide. */
export const QUEUE_NAME = 'faultline-runs';

/** A job's name; BullMQ wants one. */
export const JOB_NAME = 'run';

/** What a worker returns for a job. */
export interface FleetResult {
  record: RunRecord;
  /**
   * Names this delivery (a random id; BullMQ's lock token is reused for the next job a worker fetches): the coordinator
   * hears of a completion both from the event stream and from its polls, and
   * passes each delivery on once.
   */
  delivery: string;
}

/**
 * How often a run may be taken up again after its worker died (its lock
 * expired) before it counts as failed: a run that kills every worker that
 * tries it must not go round the fleet for ever.
 */
export const MAX_STALLS = 2;

/**
 * Completed and failed jobs nobody collects (their coordinator stopped and
 * no sweep came back for them) are dropped after this long; a later sweep
 * then runs them again.
 */
export const KEEP_UNCOLLECTED_SECONDS = 7 * 24 * 3600;

/** Why BullMQ would refuse `key` as a job id, or null. Plan keys (sha256 in hex) always pass. */
export function jobIdProblem(key: string): string | null {
  if (key === '') return 'a run key is empty';
  if (`${parseInt(key, 10)}` === key) return `run key "${key}" is a whole number, which BullMQ refuses as a job id`;
  if (key.includes(':')) return `run key "${key}" contains ":", which BullMQ refuses in a job id`;
  return null;
}

/** How messages name a run: its configuration's index and its seed. */
export function describeRun(spec: Pick<RunSpec, 'configuration' | 'seed'>): string {
  return `configuration ${spec.configuration}, seed ${spec.seed}`;
}
