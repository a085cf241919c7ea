import type { NodeId } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';

/**
 * Which replicas act as leader right now, seen from outside for measurement
 * (the replicas themselves never read it): the most at once (two means
 * split brain) and the longest stretch with none that has ended (a
 * failover's gap).
 */
export class LeadershipTally {
  private readonly leaders: NodeId[] = [];
  private leaderlessSinceUs = -1;

  constructor(private readonly metrics: ComponentMetrics) {
    metrics.noteDetail('maxLeaders', 0);
    metrics.noteDetail('maxLeaderlessUs', 0);
  }

  leads(node: NodeId, nowUs: number): void {
    if (this.leaders.includes(node)) return;
    this.leaders.push(node);
    this.metrics.noteDetail('maxLeaders', this.leaders.length);
    if (this.leaderlessSinceUs >= 0) this.metrics.noteDetail('maxLeaderlessUs', nowUs - this.leaderlessSinceUs);
    this.leaderlessSinceUs = -1;
  }

  /** It stepped down or crashed. */
  stopped(node: NodeId, nowUs: number): void {
    const i = this.leaders.indexOf(node);
    if (i < 0) return;
    this.leaders.splice(i, 1);
    if (this.leaders.length === 0) this.leaderlessSinceUs = nowUs;
  }
}
