import type { ComponentMetrics } from '../measure/component-metrics.js';

/** Windows remembered per limit key; admissions charged to an older window restart its count (only possible after long queueing). */
const KEPT_WINDOWS = 16;

/**
 * What a rate limit shared by several gateways let through, counted across
 * all of them: admissions per limit key and aligned window (by the true time
 * each request arrived, which is what the protected service feels), and
 * decisions taken without the shared store. Measurement only: gateways never
 * read it. Shown as component details.
 */
export class LimiterTally {
  private readonly byKey = new Map<number, Map<number, number>>();

  constructor(
    private readonly metrics: ComponentMetrics,
    private readonly windowUs: number,
  ) {}

  /** A request that arrived at `arrivedUs` under limit key `key` was let through. */
  admitted(key: number, arrivedUs: number): void {
    const window = Math.floor(arrivedUs / this.windowUs);
    let windows = this.byKey.get(key);
    if (windows === undefined) this.byKey.set(key, (windows = new Map()));
    const n = (windows.get(window) ?? 0) + 1;
    windows.set(window, n);
    if (windows.size > KEPT_WINDOWS) windows.delete(windows.keys().next().value!);
    this.metrics.noteDetail('maxAdmittedPerWindow', n);
  }

  /** One more decision of this kind (e.g. `failedOpen`), summed over the gateways. */
  count(name: string, nowUs: number): void {
    this.metrics.countDetail(name, nowUs);
  }
}
