import { z } from 'zod';
import type { NodeContext, NodeId, RandomStream, TimerHandle, TimeUs } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, formatDurationUnit, positiveDurationUs, positiveInt } from '../kit/units.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import type { ProbeOrigin, ProbeTally, StalenessProbes } from '../measure/staleness-probes.js';
import { consistencyLevel, levelsBeyondReplicas } from './consistency-levels.js';
import type { ConsistencyLevel, StoreRequest, StoreResponse } from './store-messages.js';

/** The settings as the scenario gives them, durations in microseconds. */
export type StalenessProbeSettings = z.output<typeof stalenessProbeParams>;

const READ_AT = 1;
const TIMEOUT = 2;
const NEXT_PROBE = 3;
const ONGOING_WRITE = 4;

/** Probe keys start here, above any key a store-client uses, so no other workload touches them. */
const FIRST_PROBE_KEY = 2 ** 31;
/** Keys per probe node: node index × this + probe number, below 2^32 (the store packs keys into 32 bits). */
const KEYS_PER_NODE = 2 ** 20;
const MAX_PROBE_NODES = 2 ** 11;
const MAX_DELAYS = 200;
/** Write values: node id × this + a per-node count, unique across the run as with store-client. */
const VALUES_PER_NODE = 1_000_000_000;

/** One probe: a fresh key, its writes in turn, then its reads. */
interface Probe {
  readonly key: number;
  /** Values written so far, oldest first, and when each committed at its coordinator (-1: not known to have). */
  readonly values: number[];
  readonly commitsUs: number[];
  /** Requests (writes and reads) still out, and reads still to be sent. */
  outstanding: number;
  /** The last probed write has been answered (so no more probed writes will be sent). */
  writesDone: boolean;
  /** Reads scheduled or sent and not yet finished: ongoing writes go on while any remain. */
  readsOut: number;
  /** readsPerProbe one-delay: the one read, as origin (0 commit, 1 ack) × delays + delay index; -1 for every delay. */
  readonly only: number;
}

interface Pending {
  readonly probe: Probe;
  readonly op: 'read' | 'write';
  /** A write's index in its probe's values (an ongoing write's is writesPerProbe or more); -1 for a read. */
  readonly writeIndex: number;
  readonly origin: ProbeOrigin;
  readonly delayIndex: number;
  readonly sentUs: TimeUs;
  readonly operation: OperationMetrics;
  /** When the read started at its coordinator, as the store reported (-1: not yet). */
  startUs: TimeUs;
  timer: TimerHandle;
}

interface ScheduledRead {
  readonly probe: Probe;
  readonly origin: ProbeOrigin;
  readonly delayIndex: number;
}

/**
 * A staleness probe (Bailis et al.'s t-visibility): on a fresh key it writes
 * `writesPerProbe` versions in turn, and once the last one commits at its
 * coordinator it reads the key `t` later for each delay t (and, as a second
 * curve, t after its client received the acknowledgement), then starts the
 * next probe. Each read is tallied by its delay: consistent when it returned
 * the last write or a newer one, and by how many of the probe's committed
 * writes were newer than what it returned. With `ongoingWrites`, newer
 * versions keep arriving on the key while its reads are out, as under a
 * steady write load: a read that returns one of them is consistent. The store reports the commit
 * instant and each read's start at its coordinator to the run's measurement
 * (`StalenessProbes`); the probe times its reads from that instant, as an
 * experimenter with a clock at the coordinator would, and a read that
 * started there before the commit is not counted.
 */
export class StalenessProbe implements InspectableProcess<StoreResponse> {
  private readonly pending = new Map<number, Pending>();
  private readonly picking: RandomStream;
  private readonly contacts: NodeId[] = [];
  private started = 0;
  private requests = 0;
  private values = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: StalenessProbeSettings,
    private readonly nodeIndex: number,
    private readonly storeNodes: readonly string[],
    private readonly tally: ProbeTally,
    private readonly probes: StalenessProbes,
    private readonly metrics: RequestMetrics,
  ) {
    this.picking = ctx.random('probe');
  }

  /** Probes started out of those planned, and its writes and reads awaiting answers. */
  inspect(): InspectedState {
    let writes = 0;
    for (const p of this.pending.values()) if (p.op === 'write') writes++;
    return {
      probesStarted: this.started,
      probesPlanned: this.settings.probes,
      writesOut: writes,
      readsOut: this.pending.size - writes,
    };
  }

  onStart(): void {
    for (const name of this.storeNodes) this.contacts.push(this.ctx.lookup(name));
    this.probes.listen(this.ctx.id, {
      committed: (id, atUs) => this.committed(id, atUs),
      readStarted: (id, atUs) => {
        const p = this.pending.get(id);
        if (p !== undefined) p.startUs = atUs;
      },
    });
    for (let i = 0; i < this.settings.concurrency; i++) this.startProbe();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === READ_AT) {
      const read = data as ScheduledRead;
      this.send(read.probe, 'read', read.origin, read.delayIndex);
    } else if (tag === TIMEOUT) this.finished(data as number, null);
    else if (tag === ONGOING_WRITE) this.ongoingWrite(data as Probe);
    else this.startProbe();
  }

  onMessage(_from: NodeId, response: StoreResponse): void {
    this.finished(response.id, response);
  }

  private startProbe(): void {
    if (this.started >= this.settings.probes) return;
    const key = FIRST_PROBE_KEY + this.nodeIndex * KEYS_PER_NODE + this.started++;
    const { delays, from, readsPerProbe } = this.settings;
    // One read per probe, at one (origin, delay) drawn uniformly: every read then meets a key no earlier read touched.
    const only =
      readsPerProbe === 'every-delay'
        ? -1
        : from === 'both'
          ? this.picking.int(2 * delays.length)
          : (from === 'ack' ? delays.length : 0) + this.picking.int(delays.length);
    const probe: Probe = { key, values: [], commitsUs: [], outstanding: 0, writesDone: false, readsOut: 0, only };
    this.send(probe, 'write', 'commit', -1);
  }

  private send(probe: Probe, op: 'read' | 'write', origin: ProbeOrigin, delayIndex: number): void {
    const now = this.ctx.nowUs;
    const id = this.requests++;
    const operation = this.metrics.operation(op);
    this.metrics.recordSent(operation, now);
    const value = op === 'write' ? this.ctx.id * VALUES_PER_NODE + ++this.values : 0;
    const writeIndex = op === 'write' ? probe.values.length : -1;
    if (op === 'write') {
      probe.values.push(value);
      probe.commitsUs.push(-1);
    }
    const level: ConsistencyLevel | undefined =
      op === 'read' ? this.settings.readConsistency : this.settings.writeConsistency;
    const request: StoreRequest = {
      kind: 'store-request',
      id,
      op,
      key: probe.key,
      value,
      sentUs: now,
      ...(level === undefined ? {} : { consistency: level }),
    };
    if (op === 'write') probe.outstanding++;
    const timer = this.ctx.setTimer(this.settings.timeout, TIMEOUT, id);
    this.pending.set(id, { probe, op, writeIndex, origin, delayIndex, sentUs: now, operation, startUs: -1, timer });
    const contacts = this.contacts;
    this.ctx.send(contacts.length === 1 ? contacts[0] : contacts[this.picking.int(contacts.length)], request, 0);
  }

  /** The store's report that a write of this node committed: the moment reads from the commit are timed from. */
  private committed(id: number, atUs: TimeUs): void {
    const p = this.pending.get(id);
    if (p === undefined || p.op !== 'write') return;
    const probe = p.probe;
    probe.commitsUs[p.writeIndex] = atUs;
    if (p.writeIndex !== this.settings.writesPerProbe - 1) return;
    this.scheduleReads(probe, 'commit');
    if (this.settings.ongoingWrites !== undefined) this.ctx.setTimer(this.settings.ongoingWrites, ONGOING_WRITE, probe);
  }

  /** The next newer version while the probe's reads are out (the ack's reads count once the ack is in). */
  private ongoingWrite(probe: Probe): void {
    if (probe.writesDone && probe.readsOut === 0) return;
    this.send(probe, 'write', 'commit', -1);
    this.ctx.setTimer(this.settings.ongoingWrites!, ONGOING_WRITE, probe);
  }

  private scheduleReads(probe: Probe, origin: ProbeOrigin): void {
    const { delays, from } = this.settings;
    if (from !== 'both' && from !== origin) return;
    if (probe.only >= 0) {
      const onlyOrigin: ProbeOrigin = probe.only < delays.length ? 'commit' : 'ack';
      if (onlyOrigin === origin) this.schedule(probe, origin, probe.only % delays.length);
      return;
    }
    for (let i = 0; i < delays.length; i++) this.schedule(probe, origin, i);
  }

  private schedule(probe: Probe, origin: ProbeOrigin, delayIndex: number): void {
    probe.outstanding++;
    probe.readsOut++;
    this.ctx.setTimer(this.settings.delays[delayIndex], READ_AT, { probe, origin, delayIndex } satisfies ScheduledRead);
  }

  /** A response, or the timeout (null). */
  private finished(id: number, response: StoreResponse | null): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    const now = this.ctx.nowUs;
    if (response !== null) this.ctx.cancelTimer(p.timer);
    const ok = response !== null && response.status === 'ok';
    if (ok) this.metrics.recordSuccess(p.operation, p.sentUs, now);
    else
      this.metrics.recordFailure(
        p.operation,
        response === null || response.status === 'unknown' ? 'timeout' : 'unavailable',
        p.sentUs,
        now,
      );
    const probe = p.probe;
    probe.outstanding--;
    if (p.op === 'write') this.written(probe, ok, now - p.sentUs, p.writeIndex);
    else {
      probe.readsOut--;
      if (ok) {
        this.tally.readLatency.record(now - p.sentUs);
        const probed = probe.commitsUs[this.settings.writesPerProbe - 1];
        this.tally.read(
          p.origin,
          p.delayIndex,
          p.startUs,
          probed,
          this.behind(probe, response.value ?? null, p.startUs),
        );
      } else this.tally.failedReads++;
    }
    if (probe.outstanding === 0 && probe.writesDone) this.ctx.setTimer(this.settings.pause, NEXT_PROBE);
  }

  private written(probe: Probe, ok: boolean, latencyUs: number, writeIndex: number): void {
    if (writeIndex >= this.settings.writesPerProbe) {
      if (ok) this.tally.writeLatency.record(latencyUs);
      return;
    }
    if (!ok) {
      // Given up: reads already scheduled from a commit the store reported still run and count.
      probe.writesDone = true;
      this.tally.abandoned++;
      return;
    }
    this.tally.writeLatency.record(latencyUs);
    if (probe.values.length < this.settings.writesPerProbe) {
      this.send(probe, 'write', 'commit', -1);
      return;
    }
    probe.writesDone = true;
    this.tally.probes++;
    this.scheduleReads(probe, 'ack');
  }

  /**
   * How many of the probe's own writes that committed before `startUs` are
   * newer than `value` (0 for an ongoing write's value: newer than them all).
   */
  private behind(probe: Probe, value: number | null, startUs: TimeUs): number {
    const returned = value === null ? -1 : probe.values.indexOf(value);
    let behind = 0;
    for (let i = returned + 1; i < this.settings.writesPerProbe; i++)
      if (probe.commitsUs[i] >= 0 && probe.commitsUs[i] <= startUs) behind++;
    return behind;
  }
}

const delayRange = z
  .strictObject({
    from: durationUs.describe('The first delay.'),
    to: durationUs.describe('The last delay (included when a whole number of steps from `from`).'),
    step: positiveDurationUs.describe('Between delays.'),
  })
  .superRefine((r, issues) => {
    if (r.to < r.from)
      issues.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be at least from (${formatDurationUnit(r.from)})`,
      });
    else if (Math.floor((r.to - r.from) / r.step) + 1 > MAX_DELAYS)
      issues.addIssue({
        code: 'custom',
        path: ['step'],
        message: `gives more than ${MAX_DELAYS} delays; take a longer step`,
      });
  })
  .transform((r) => Array.from({ length: Math.floor((r.to - r.from) / r.step) + 1 }, (_, i) => r.from + i * r.step));

const stalenessProbeParams = z.strictObject({
  target: z.string().describe('The quorum-store component to probe.'),
  delays: z
    .union([z.array(durationUs).min(1).max(MAX_DELAYS), delayRange])
    .transform((delays) => [...new Set(delays)].sort((a, b) => a - b))
    .describe(
      'The delays t at which each probe reads after its write: a list ([0ms, 1ms, 5ms]) or a range ({ from: 0ms, to: 20ms, step: 1ms }), at most 200.',
    ),
  from: z
    .enum(['commit', 'ack', 'both'])
    .default('both')
    .describe(
      'What t counts from: the write committing at its coordinator (its W-th acknowledgement, the WARS model’s t), the client receiving the acknowledgement, or both (two curves).',
    ),
  probes: positiveInt.max(KEYS_PER_NODE).default(1000).describe('Probes per node, each on a fresh key.'),
  concurrency: positiveInt.default(1).describe('Probes in flight at once per node, each on its own key.'),
  readsPerProbe: z
    .enum(['every-delay', 'one-delay'])
    .default('every-delay')
    .describe(
      'every-delay: each probe reads at every delay (cheap; with read repair on, its earlier reads repair what its later reads see); one-delay: one read per probe at a delay drawn at random, so every read is independent.',
    ),
  writesPerProbe: positiveInt
    .max(16)
    .default(1)
    .describe(
      'Versions each probe writes to its key in turn (each when the one before is acknowledged) before reading: reads then tell how many versions behind they are (k-staleness).',
    ),
  ongoingWrites: positiveDurationUs
    .optional()
    .describe(
      'Write a newer version to the probed key this often from the probed write’s commit until its reads are done, as under a steady write load; a read that returns one is consistent. Absent: the key is written only by the probe’s own writes.',
    ),
  pause: durationUs.default(0).describe('Between the end of one probe and the start of the next on the same slot.'),
  timeout: positiveDurationUs
    .default(1_000_000)
    .describe('A request not answered in this long fails; a read that fails is not counted (default 1s).'),
  readConsistency: consistencyLevel
    .optional()
    .describe('R for the probe’s reads; absent: the store’s readConsistency.'),
  writeConsistency: consistencyLevel
    .optional()
    .describe('W for the probe’s writes; absent: the store’s writeConsistency.'),
});

export const stalenessProbeModel: ModelDefinition<typeof stalenessProbeParams> = {
  type: 'staleness-probe',
  role: 'workload',
  description:
    'Probabilistically bounded staleness: writes a fresh key, reads it t after the commit (and after the acknowledgement) for each delay t, and tallies how often reads see the write and how many versions behind they are (t-visibility, k-staleness).',
  params: stalenessProbeParams,
  references: (params) => [
    {
      path: ['target'],
      component: params.target,
      type: 'quorum-store',
      fits: (store) => levelsBeyondReplicas(params, store),
    },
  ],
  check: (_p, { nodeCount }) =>
    nodeCount > MAX_PROBE_NODES
      ? [
          {
            path: ['nodes'],
            message: `a staleness probe runs on at most ${MAX_PROBE_NODES} nodes; its group has ${nodeCount}`,
          },
        ]
      : [],
  instantiate(params, ctx) {
    const storeNodes = ctx.nodesOf(params.target);
    const tally = ctx.probes.tally(ctx.name, params.target, params.delays, params.writesPerProbe);
    return (nodeIndex) => (nodeCtx) =>
      new StalenessProbe(nodeCtx, params, nodeIndex, storeNodes, tally, ctx.probes, ctx.requests);
  },
};
