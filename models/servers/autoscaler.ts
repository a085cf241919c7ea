import { z } from 'zod';
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition, NodeControl } from '../kit/model-contract.js';
import { durationUs, fraction, positiveInt } from '../kit/units.js';

/** The settings as the scenario gives them, durations in microseconds. */
export type AutoscalerSettings = z.output<typeof autoscalerParams>;

/** The fleet, found when the scenario is built; `min` and `max` are the settings clamped to the nodes there are. */
export interface AutoscalerFleet {
  control: NodeControl;
  /** The scaled component's nodes, in order: the first `min` run from the start. */
  instances: readonly NodeId[];
  metrics: () => ComponentMetrics | undefined;
  workersPerNode: number;
  min: number;
  max: number;
  report: ComponentMetrics;
}

const EVALUATE = 1;
const STARTED = 2;

/**
 * A target-utilization autoscaler: every interval it measures the scaled
 * component's utilization over that interval, sizes the fleet to
 * ceil(running × utilization / target), launches instances that serve only
 * after a start-up delay, and removes instances at most once per cooldown.
 * Instances are pre-declared nodes, started and stopped (logged as
 * scale-out / scale-in); balancers find them with their health checks.
 */
export class Autoscaler implements InspectableProcess {
  private readonly starting = new Set<NodeId>();
  private lastBusyUs = 0;
  private lastScaleInUs = -Infinity;
  private scaleOuts = 0;
  private scaleIns = 0;
  /** The latest evaluation's utilization and fleet size; null before the first. */
  private lastUtilization: number | null = null;
  private lastDesired: number | null = null;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: Pick<AutoscalerSettings, 'targetUtilization' | 'interval' | 'startupDelay' | 'cooldown'>,
    private readonly fleet: AutoscalerFleet,
  ) {}

  /**
   * Instances up and starting against the latest evaluation's desired count
   * and the utilization it measured; the bounds; scale-outs and scale-ins so
   * far; and when the cooldown next allows a scale-in (null before any).
   */
  inspect(): InspectedState {
    const { control, instances, min, max } = this.fleet;
    let up = 0;
    for (const id of instances) if (control.isUp(id)) up++;
    return {
      instancesUp: up,
      instancesStarting: this.starting.size,
      desiredInstances: this.lastDesired,
      lastUtilization: this.lastUtilization,
      min,
      max,
      scaleOuts: this.scaleOuts,
      scaleIns: this.scaleIns,
      scaleInAllowedFromUs: this.scaleIns === 0 ? null : this.lastScaleInUs + this.settings.cooldown,
    };
  }

  onStart(): void {
    const { control, instances, min } = this.fleet;
    for (let i = min; i < instances.length; i++) control.stop(instances[i], 'scale-in');
    this.note();
    this.ctx.setTimer(this.settings.interval, EVALUATE);
  }

  /** It takes no requests; it only watches and acts. */
  onMessage(): void {}

  onTimer(tag: number, data: unknown): void {
    if (tag === STARTED) {
      const id = data as NodeId;
      this.starting.delete(id);
      this.fleet.control.start(id, 'scale-out');
      this.note();
      return;
    }
    this.evaluate();
    this.ctx.setTimer(this.settings.interval, EVALUATE);
  }

  private evaluate(): void {
    const { control, instances, workersPerNode, min, max } = this.fleet;
    const { interval, targetUtilization } = this.settings;
    const metrics = this.fleet.metrics();
    if (metrics === undefined) return;
    const now = this.ctx.nowUs;
    metrics.busy.advance(now);
    const busy = metrics.busy.total();
    const running = instances.filter((id) => control.isUp(id));
    const utilization =
      running.length === 0 ? 1 : (busy - this.lastBusyUs) / (running.length * workersPerNode * interval);
    this.lastBusyUs = busy;
    const desired = Math.min(max, Math.max(min, Math.ceil((running.length * utilization) / targetUtilization)));
    this.lastUtilization = utilization;
    this.lastDesired = desired;
    const planned = running.length + this.starting.size;
    if (desired > planned) {
      const idle = instances.filter((id) => !control.isUp(id) && !this.starting.has(id));
      for (const id of idle.slice(0, desired - planned)) {
        this.starting.add(id);
        this.ctx.setTimer(this.settings.startupDelay, STARTED, id);
      }
      this.scaleOuts++;
    } else if (
      desired < running.length &&
      this.starting.size === 0 &&
      now >= this.lastScaleInUs + this.settings.cooldown
    ) {
      for (const id of running.slice(desired).reverse()) control.stop(id, 'scale-in');
      this.lastScaleInUs = now;
      this.scaleIns++;
    }
    this.note();
  }

  private note(): void {
    const report = this.fleet.report;
    report.noteDetail('maxRunning', this.fleet.instances.filter((id) => this.fleet.control.isUp(id)).length);
    report.noteDetail('scaleOuts', this.scaleOuts);
    report.noteDetail('scaleIns', this.scaleIns);
  }
}

const autoscalerParams = z.strictObject({
  target: z.string().describe('The component whose nodes are scaled; its node count is the most that can run.'),
  min: positiveInt.default(1).describe('Instances always running.'),
  max: positiveInt.optional().describe("The most instances; defaults to the target's node count."),
  targetUtilization: fraction.default(0.6).describe('Keep utilization near this (default 60%).'),
  interval: durationUs
    .default(10_000_000)
    .describe('Measure and decide this often, over the last interval (default 10s).'),
  startupDelay: durationUs.default(30_000_000).describe('A launched instance serves only after this (default 30s).'),
  cooldown: durationUs.default(60_000_000).describe('At least this long between scale-ins (default 60s).'),
});

export const autoscalerModel: ModelDefinition<typeof autoscalerParams> = {
  type: 'autoscaler',
  role: 'component',
  description:
    'A target-utilization autoscaler over a component’s nodes: metric window, start-up delay, cooldown, min and max.',
  params: autoscalerParams,
  // Only a queue server has workers whose utilization the scaler steers by.
  references: (params) => [{ path: ['target'], component: params.target, type: 'queue-server' }],
  instantiate(params, ctx) {
    const report = ctx.componentMetrics(0);
    const nodes = ctx.nodesOf(params.target);
    return () => (nodeCtx) => {
      const instances = nodes.map((n) => nodeCtx.lookup(n));
      const target = ctx.metricsOf(params.target);
      // A scaler sizing a component without workers (a balancer) would have no utilization to steer by.
      if (target !== undefined && target.workersPerNode === 0)
        throw new RangeError(`autoscaler: "${params.target}" has no workers to measure`);
      return new Autoscaler(nodeCtx, params, {
        control: ctx.control,
        instances,
        metrics: () => ctx.metricsOf(params.target),
        workersPerNode: target?.workersPerNode ?? 1,
        min: Math.min(params.min, instances.length),
        max: Math.min(params.max ?? instances.length, instances.length),
        report,
      });
    };
  },
};
