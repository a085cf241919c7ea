import { z } from 'zod';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import { positiveDurationUs, positiveInt } from '../kit/units.js';
import type { LeadershipTally } from './leadership-tally.js';

const REPLICATION_MODES = ['async', 'semi-sync', 'sync'] as const;
const READ_ROUTES = ['leader', 'any', 'read-your-writes'] as const;

export const leaderFollowerParams = z.strictObject({
  replication: z
    .enum(REPLICATION_MODES)
    .default('async')
    .describe(
      'When the leader answers a write. The leader ships its log to each follower one batch at a time (what is written while a batch travels goes in the next). async: at once, before any follower has it (a crash loses what was not yet shipped); semi-sync: once `acks` followers have it; sync: once every follower in sync has it (one silent for failureTimeout drops out of sync until it has caught up, as in Kafka’s in-sync replicas).',
    ),
  acks: positiveInt.default(1).describe('semi-sync: follower acknowledgements a write waits for.'),
  reads: z
    .enum(READ_ROUTES)
    .default('leader')
    .describe(
      'leader: only the leader serves reads; any: every replica serves them from its own copy (stale reads possible); read-your-writes: a replica serves a read only if it has the session’s version (the client’s readYourWrites), and passes it on to the leader otherwise.',
    ),
  forwarding: z
    .boolean()
    .default(false)
    .describe(
      'Followers pass writes (and reads only the leader serves) on to the leader, which answers the client; without it they refuse them (failed, not-leader) naming the leader, and the client goes there.',
    ),
  heartbeatInterval: positiveDurationUs
    .default(100_000)
    .describe('How often the leader sends heartbeats (default 100ms).'),
  failureTimeout: positiveDurationUs
    .default(1_000_000)
    .describe(
      'A follower that hears nothing from the leader for this long, on its own clock, starts a promotion (one back from a crash waits this long first); the leader counts a follower silent this long as down; with fencing, a leader whose lease (this, shortened by the maxClockDriftPpm margin) ran out with no majority answering stops taking requests and steps down (default 1s).',
    ),
  maxClockDriftPpm: z
    .number()
    .min(0, 'must be at least 0')
    .max(100_000, 'must be at most 100000 (10%)')
    .default(1_000)
    .describe(
      'Fencing: the most any replica’s clock may drift, in parts per million (as a node group’s clockDriftPpm). A leader’s lease lasts failureTimeout × (1 − d) / (1 + d) on its own clock, so that it has ended before any replica that renewed it may vote for another, however fast that replica’s clock runs and slow the leader’s; with drift beyond this bound (or clock jumps) two leaders can serve at once. Default 1000 ppm, far above NTP-disciplined clocks (tens of ppm).',
    ),
  electionWait: positiveDurationUs
    .default(200_000)
    .describe(
      'How long a replica that lost the leader waits for the others to report their logs before promoting the most up-to-date (default 200ms).',
    ),
  ackTimeout: positiveDurationUs
    .default(1_000_000)
    .describe(
      'semi-sync and sync: a write not acknowledged by enough followers within this is answered unknown: it is in the leader’s log and may survive or not (default 1s).',
    ),
  promotable: positiveInt
    .optional()
    .describe(
      'How many replicas, the first ones, may be promoted; the others replicate and serve reads but never lead (a disaster-recovery copy, like a MongoDB member of priority 0). A promoted replica first takes the rest of the log of any such copy that voted for it and is further ahead, so no write it acknowledged is lost. Default: all.',
    ),
  fencing: z
    .boolean()
    .default(true)
    .describe(
      'Promotion needs a majority, a replica that voted for a new epoch refuses older leaders, and a leader that has not heard from a majority within its lease (see maxClockDriftPpm) stops taking requests and steps down: never two leaders taking requests. With semi-sync acks that make a majority with the leader, no acknowledged write is then lost. false: any replica that loses the leader promotes the best one it can reach, and a leader cut off by a partition keeps taking writes (split brain); at heal the newer epoch’s log wins and the other side’s writes are discarded.',
    ),
});

/**
 * A replica's settings: the scenario's parameters (durations in µs), with
 * what the instance derives at run time. The schema above is where each
 * setting is named, defaulted and described.
 */
export type LeaderFollowerSettings = Omit<z.output<typeof leaderFollowerParams>, 'promotable'> & {
  /** Only replicas before this position may be promoted (default: all); the rest are copies that never lead. */
  promotable: number;
  /** Every replica's node name, in order: the first starts as leader, and order breaks ties between equally up-to-date replicas. */
  replicas: readonly string[];
  /** This replica's position in `replicas`. */
  index: number;
  /** With fencing: how long a leader keeps taking requests after the appends a majority answered were sent, on its clock (see `leaseUs`). */
  leaseUs: number;
  metrics: ComponentMetrics;
  tally: LeadershipTally;
};
