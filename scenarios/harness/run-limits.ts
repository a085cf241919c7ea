import { formatDurationUnit } from '../../models/kit/unit-text.js';
import type { Scenario } from './scenario-schema.js';

/**
 * What stops a run short: its event budget, its memory budget, an
 * interrupt. Kept apart from the runner so that commands which only load
 * scenarios (validate) can ask about budgets without loading every model.
 */

/** The most events a run may process unless told otherwise (--max-events): minutes to an hour of simulation. */
export const DEFAULT_MAX_EVENTS = 1_000_000_000;

/**
 * The share of Node's heap limit a run may fill before it is stopped: well
 * short of V8's own out-of-memory abort, with room to build the report.
 */
export const HEAP_BUDGET_SHARE = 0.8;

/** A run that would exceed, or did exceed, its event or memory budget; nothing was written. */
export class RunBudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunBudgetExceeded';
  }
}

export class RunInterrupted extends Error {
  constructor() {
    super('the run was interrupted; nothing was written');
    this.name = 'RunInterrupted';
  }
}

/**
 * Why a run would be refused before building anything, or undefined: its
 * open-loop workloads alone would take more than `maxEvents` events, each
 * Poisson arrival candidate being an event, drawn at a rate of at least
 * `rate` per client node.
 */
export function eventBudgetOverrun(scenario: Scenario, maxEvents: number): string | undefined {
  let events = 0;
  const terms: string[] = [];
  for (const [name, instance] of Object.entries(scenario.workloads)) {
    const { rate, stopAt, nodes } = instance as { rate?: unknown; stopAt?: unknown; nodes: string };
    if (typeof rate !== 'number') continue;
    const count = scenario.topology.nodes[nodes]?.count ?? 0;
    const activeUs = Math.min(typeof stopAt === 'number' ? stopAt : scenario.duration, scenario.duration);
    const arrivals = (rate * count * activeUs) / 1e6;
    events += arrivals;
    terms.push(
      `workloads.${name}: ${rate}/s × ${count} node${count === 1 ? '' : 's'} × ${formatDurationUnit(activeUs)}`,
    );
  }
  if (events <= maxEvents) return undefined;
  return (
    `${scenario.name}: the run would take at least ${events.toPrecision(3)} events (${terms.join(', ')}), ` +
    `more than its budget of ${maxEvents} (--max-events raises it)`
  );
}
