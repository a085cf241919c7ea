import type { Simulation } from '../engine/simulation.js';
import { LineTrace, type TraceLine } from '../engine/trace.js';
import type { Report, TraceCheckpoints } from '../reports/report-types.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';

/** One run of a report, to be run again: its scenario and what the report says it gave. */
export interface ReplayRun {
  name: string;
  scenario: Scenario;
  expected: { traceHash: string; events: number; checkpoints: TraceCheckpoints };
}

/** Why a report cannot be replayed, in words for the person who gave it. */
export class NotReplayable extends Error {}

/**
 * The runs a report holds, with their scenarios rebuilt from the resolved
 * document it embeds (validated again, as a scenario file would be:
 * problems are reported at `label`), in report order; `only` picks one.
 */
export function replayRuns(report: Report, label: string, only?: string): ReplayRun[] {
  const resolved = report.scenario.resolved;
  if (resolved === null)
    throw new NotReplayable(
      'this report holds no scenario to run again (a campaign run keeps its configuration in the campaign store)',
    );
  const loaded = parseScenarioText(JSON.stringify(resolved.document, null, 2), label, {
    overrides: resolved.overrides,
  });
  const outcomes = report.variants ?? [{ ...report, name: report.variant }];
  const names = outcomes.map((o) => o.name);
  if (only !== undefined && !names.includes(only))
    throw new NotReplayable(`it has no run named "${only}"; its runs: ${names.join(', ')}`);
  return outcomes
    .filter((o) => only === undefined || o.name === only)
    .map((o) => {
      const variant = loaded.variants.find((v) => v.name === o.name);
      if (variant === undefined && loaded.variants.length > 0)
        throw new NotReplayable(
          `its run "${o.name}" is not a variant of the scenario it embeds (variants: ${loaded.variants.map((v) => v.name).join(', ')}); was it edited?`,
        );
      return {
        name: o.name,
        scenario: variant?.scenario ?? loaded.scenario,
        expected: { traceHash: o.traceHash, events: o.events, checkpoints: o.checkpoints },
      };
    });
}

/** Where a replay first departed from the original, as finely as the checkpoints tell. */
export interface CheckpointDivergence {
  /** The divergence lies after this event count and at or before `toEvents`; null `toEvents`: after the last checkpoint. */
  fromEvents: number;
  toEvents: number | null;
}

/**
 * The first window of events where two runs' checkpoints differ; null when
 * every checkpoint both have agrees (the runs may still differ after the last
 * one, or in the results folded into the hash at the end).
 */
export function firstDivergentWindow(
  original: TraceCheckpoints,
  replay: TraceCheckpoints,
  originalEvents: number,
  replayEvents: number,
): CheckpointDivergence | null {
  if (original.everyEvents !== replay.everyEvents) {
    // Runs of different lengths double their spacing at different points: compare at the coarser one.
    const coarse = Math.max(original.everyEvents, replay.everyEvents);
    return firstDivergentWindow(coarsen(original, coarse), coarsen(replay, coarse), originalEvents, replayEvents);
  }
  const every = original.everyEvents;
  const shared = Math.min(original.hashes.length, replay.hashes.length);
  for (let i = 0; i < shared; i++)
    if (original.hashes[i] !== replay.hashes[i]) return { fromEvents: i * every, toEvents: (i + 1) * every };
  if (originalEvents === replayEvents) return null;
  return { fromEvents: shared * every, toEvents: null };
}

function coarsen(c: TraceCheckpoints, every: number): TraceCheckpoints {
  const step = every / c.everyEvents;
  return { everyEvents: every, hashes: c.hashes.filter((_, i) => (i + 1) % step === 0) };
}

/** The fields of an event line two runs must agree on. */
const COMPARED: readonly (keyof TraceLine)[] = [
  'timeUs',
  'kind',
  'node',
  'from',
  'type',
  'sizeBytes',
  'tag',
  'dropped',
  'held',
  'ignored',
  'hash',
];

export interface EventDivergence {
  index: number;
  original: TraceLine;
  /** What the replay did at that index; null when its run ended first. */
  replay: TraceLine | null;
}

/**
 * Compares a replay event by event with the trace of the original run (its
 * event lines; a filtered trace is compared where it has lines) and keeps the
 * first event that differs. Attach it to the replay's simulation.
 */
export class TraceComparison {
  divergence: EventDivergence | null = null;
  /** Event lines of the original compared so far. */
  compared = 0;
  private next: TraceLine | null;

  constructor(
    sim: Simulation,
    private readonly original: Iterator<string>,
    private readonly label: string,
  ) {
    this.next = this.nextEvent();
    sim.addObserver(
      new LineTrace(sim, (line) => this.onLine(line), { filter: { kinds: ['start', 'deliver', 'timer', 'call'] } }),
    );
  }

  /** After the run: an original event the replay never reached is a divergence too. */
  finish(): void {
    if (this.divergence === null && this.next !== null)
      this.divergence = { index: this.next.index, original: this.next, replay: null };
  }

  private onLine(line: TraceLine): void {
    if (this.divergence !== null || this.next === null) return;
    if (line.index < this.next.index) return;
    this.compared++;
    const original = this.next;
    if (COMPARED.some((key) => original[key] !== line[key]))
      this.divergence = { index: line.index, original, replay: line };
    else this.next = this.nextEvent();
  }

  /** The original's next event line, skipping sends, faults and the truncation note. */
  private nextEvent(): TraceLine | null {
    for (let r = this.original.next(); !r.done; r = this.original.next()) {
      if (r.value.trim() === '') continue;
      let line: TraceLine;
      try {
        line = JSON.parse(r.value) as TraceLine;
      } catch {
        throw new NotReplayable(`${this.label}: not a faultline trace: a line is not JSON (${r.value.slice(0, 60)}…)`);
      }
      if (typeof line?.index !== 'number' || typeof line.kind !== 'string')
        throw new NotReplayable(`${this.label}: not a faultline trace: a line has no index or kind`);
      if (line.kind === 'start' || line.kind === 'deliver' || line.kind === 'timer' || line.kind === 'call')
        return line;
    }
    return null;
  }
}
