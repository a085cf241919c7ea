import { FAULT_KINDS, type FaultSpace } from '../../explore/fault-schedule.js';

/** failover's four replicas, every kind of fault, between its 2 s warm-up and 23 s. */
export const FAILOVER_FAULT_SPACE: FaultSpace = {
  nodes: ['db-1', 'db-2', 'db-3', 'db-4'],
  kinds: FAULT_KINDS,
  fromMs: 2000,
  untilMs: 23_000,
  maxFaults: 3,
};
