import fc from 'fast-check';
import { stringify } from 'yaml';

/**
 * Random fault schedules as fast-check arbitraries, in the scenario format's
 * own timeline entries (`{ at: 7.3s, action: crash, nodes: db-1, for: 2s }`),
 * built so that fast-check's shrinking of integers (toward the low end) and
 * arrays (fewer items) makes a schedule simpler: fewer faults, earlier,
 * shorter, fewer nodes on the far side of a cut, milder link damage.
 */

export const FAULT_KINDS = [
  'crash',
  'pause',
  'partition',
  'partition-majority',
  'isolate',
  'bridge',
  'partition-ring',
  'partition-one-way',
  'clock-jump',
  'clock-drift',
  'degrade',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Words for several kinds at once, for `--faults`. */
export const FAULT_GROUPS: Readonly<Record<string, readonly FaultKind[]>> = {
  process: ['crash', 'pause'],
  network: ['partition', 'partition-majority', 'isolate', 'bridge', 'partition-ring', 'partition-one-way'],
  clock: ['clock-jump', 'clock-drift'],
  links: ['degrade'],
};

/** The fewest nodes each kind needs among those faults may touch. */
export const NODES_NEEDED: Readonly<Record<FaultKind, number>> = {
  crash: 1,
  pause: 1,
  partition: 2,
  'partition-majority': 2,
  isolate: 1,
  bridge: 3,
  'partition-ring': 3,
  'partition-one-way': 2,
  'clock-jump': 1,
  'clock-drift': 1,
  degrade: 1,
};

/** Fault times and lengths are whole multiples of this. */
export const TICK_MS = 100;
/** Clock jumps are whole multiples of this, up to MAX_CLOCK_JUMP_MS either way. */
const JUMP_STEP_MS = 10;
const MAX_CLOCK_JUMP_MS = 5000;
/**
 * Clock drifts are whole multiples of this, up to MAX_CLOCK_DRIFT_PPM either
 * way: far beyond a real quartz's tens of ppm, since what breaks a lease is a
 * clock that runs a third slow, not one that runs a little.
 */
const DRIFT_STEP_PPM = 1000;
const MAX_CLOCK_DRIFT_PPM = 500_000;
const MAX_LATENCY_FACTOR = 20;
const EXTRA_LATENCY_STEP_MS = 10;
const MAX_EXTRA_LATENCY_MS = 1000;

export interface FaultSpace {
  /** The nodes faults may touch, in scenario order. */
  nodes: readonly string[];
  kinds: readonly FaultKind[];
  /** Faults start at or after this… */
  fromMs: number;
  /** …and are over (undone) by this, so the run shows the recovery after them. */
  untilMs: number;
  maxFaults: number;
}

/** One entry of a scenario's `faults.timeline`, as written in a file. */
export type TimelineEntry = { at: string; action: FaultKind } & Record<string, unknown>;

/**
 * A duration as the scenario format writes it: `7s`, `7300ms`, `-2450ms`. Whole seconds only in `s`: the unit
 * parser multiplies decimals in floating point, so `4.1s` reads as 4099999.9999999995 µs.
 */
export function durationText(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const size = Math.abs(ms);
  return size >= 1000 && size % 1000 === 0 ? `${sign}${size / 1000}s` : `${sign}${size}ms`;
}

/** The kinds `space` can draw: those the nodes are enough for. */
export function drawableKinds(kinds: readonly FaultKind[], nodeCount: number): FaultKind[] {
  return kinds.filter((kind) => nodeCount >= NODES_NEEDED[kind]);
}

/** Schedules of 1 to `maxFaults` faults, sorted by time. */
export function faultScheduleArbitrary(space: FaultSpace): fc.Arbitrary<TimelineEntry[]> {
  const kinds = drawableKinds(space.kinds, space.nodes.length);
  if (kinds.length === 0) throw new RangeError('no fault kind can be drawn over these nodes');
  const first = Math.ceil(space.fromMs / TICK_MS);
  const last = Math.floor(space.untilMs / TICK_MS);
  if (last - first < 1) throw new RangeError('the fault window is shorter than one tick');
  const fault = fc.oneof(...kinds.map((kind) => faultArbitrary(kind, space.nodes, first, last)));
  return fc
    .array(fault, { minLength: 1, maxLength: space.maxFaults })
    .map((faults) => faults.map((f, i) => ({ f, i })).sort((a, b) => a.f.atTick - b.f.atTick || a.i - b.i))
    .map((sorted) => sorted.map(({ f }) => f.entry));
}

interface DrawnFault {
  atTick: number;
  entry: TimelineEntry;
}

function faultArbitrary(
  kind: FaultKind,
  nodes: readonly string[],
  first: number,
  last: number,
): fc.Arbitrary<DrawnFault> {
  const n = nodes.length;
  const node = fc.integer({ min: 0, max: n - 1 }).map((i) => nodes[i]);
  /** At least one node and at least one left over: the near side of a cut (shrinks toward one node). */
  const side = () => fc.subarray([...nodes], { minLength: 1, maxLength: n - 1 });
  const rest = (chosen: readonly string[]) => nodes.filter((name) => !chosen.includes(name));
  const at = fc.integer({ min: first, max: last - 1 });
  // Shrinks toward one tick; cut at the end of the window when drawn longer than what is left of it.
  const length = fc.integer({ min: 1, max: last - first });
  const timed = <T>(shape: fc.Arbitrary<T>, entry: (value: T) => Record<string, unknown>, undone = true) =>
    fc.tuple(at, length, shape).map(([atTick, forTicks, value]): DrawnFault => {
      const body = entry(value);
      const undo = undone ? { for: durationText(Math.min(forTicks, last - atTick) * TICK_MS) } : {};
      return { atTick, entry: { at: durationText(atTick * TICK_MS), action: kind, ...body, ...undo } };
    });
  switch (kind) {
    case 'crash':
    case 'pause':
      return timed(node, (name) => ({ nodes: name }));
    case 'isolate':
      return timed(node, (name) => ({ node: name }));
    case 'partition':
      return timed(side(), (near) => ({ sides: [near, rest(near)] }));
    case 'partition-one-way':
      return timed(side(), (near) => ({ from: near, to: rest(near) }));
    case 'partition-majority': {
      // The engine puts the first ⌊n/2⌋+1 listed nodes in the majority: draw the minority, list it last.
      const minority = n - (Math.floor(n / 2) + 1);
      const drawn = fc.subarray([...nodes], { minLength: minority, maxLength: minority });
      return timed(drawn, (few) => ({ nodes: [...rest(few), ...few] }));
    }
    case 'bridge': {
      const shape = fc.tuple(
        fc.integer({ min: 0, max: n - 1 }),
        fc.subarray(
          Array.from({ length: n - 1 }, (_, i) => i),
          { minLength: 1, maxLength: n - 2 },
        ),
      );
      return timed(shape, ([bridge, positions]) => {
        const others = nodes.filter((_, i) => i !== bridge);
        const sideA = positions.map((p) => others[p]);
        return { sideA, bridge: nodes[bridge], sideB: others.filter((name) => !sideA.includes(name)) };
      });
    }
    case 'partition-ring':
      // A node's neighbours on the ring are those next to it in the list: the order is the shape.
      return timed(fc.shuffledSubarray([...nodes], { minLength: n, maxLength: n }), (order) => ({ nodes: order }));
    case 'clock-jump': {
      const steps = MAX_CLOCK_JUMP_MS / JUMP_STEP_MS;
      const shape = fc.tuple(node, fc.integer({ min: -steps, max: steps }));
      return timed(shape, ([name, by]) => ({ nodes: name, by: durationText(by * JUMP_STEP_MS) }), false);
    }
    case 'clock-drift': {
      // The node's clock runs at (1 + ppm/1e6) of true time from then on; shrinks toward no drift.
      const steps = MAX_CLOCK_DRIFT_PPM / DRIFT_STEP_PPM;
      const shape = fc.tuple(node, fc.integer({ min: -steps, max: steps }));
      return timed(shape, ([name, ppm]) => ({ nodes: name, ppm: ppm * DRIFT_STEP_PPM }), false);
    }
    case 'degrade': {
      const shape = fc.tuple(
        fc.subarray([...nodes], { minLength: 1, maxLength: n }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: MAX_LATENCY_FACTOR }),
        fc.integer({ min: 0, max: MAX_EXTRA_LATENCY_MS / EXTRA_LATENCY_STEP_MS }),
      );
      return timed(shape, ([from, lossPercent, factor, extra]) => ({
        from,
        loss: `${lossPercent}%`,
        latencyFactor: factor,
        extraLatency: durationText(extra * EXTRA_LATENCY_STEP_MS),
      }));
    }
  }
}

/** One line per fault, as in a scenario file: `- { at: 7.3s, action: crash, nodes: db-1, for: 2s }`. */
export function timelineLines(schedule: readonly TimelineEntry[]): string[] {
  return schedule.map((entry) => `- ${flowYaml(entry)}`);
}

/** A value as one line of YAML flow style. */
export function flowYaml(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}
