import { LatencyHistogram } from './latency-histogram.js';
import { WindowIntegral } from './window-series.js';

/**
 * What one component's nodes report: busy workers and queue length (summed
 * over nodes, integrated over time), time spent per request, and outcomes.
 * Per-node levels are kept so a crash can zero what the lost process held.
 */
export class ComponentMetrics {
  readonly busy: WindowIntegral;
  readonly queue: WindowIntegral;
  readonly latency = new LatencyHistogram();
  served = 0;
  rejected = 0;
  /** Work discarded because its caller had given up (deadline passed). */
  dropped = 0;
  /** Requests that reached the component (after warm-up), and those of them that queued before service. */
  arrived = 0;
  waited = 0;
  /** Model-specific figures: the largest value noted (e.g. a limiter's most forwarded in one window), or a count of events. */
  readonly details = new Map<string, number>();
  /** Figures also kept per window (their largest value in each; NaN where none was noted), e.g. replica lag. */
  readonly detailTimelines = new Map<string, Float64Array>();
  /** Exact sum of time at the component over `served`, for means compared with theory. */
  sojournSumUs = 0;
  private readonly nodeBusy: Float64Array;
  private readonly nodeQueue: Float64Array;

  constructor(
    readonly name: string,
    readonly type: string,
    readonly nodes: number,
    /** Worker slots per node, the denominator of utilization. */
    readonly workersPerNode: number,
    private readonly windowUs: number,
    private readonly windows: number,
    private readonly measureFromUs: number,
  ) {
    this.busy = new WindowIntegral(windowUs, windows);
    this.queue = new WindowIntegral(windowUs, windows);
    this.nodeBusy = new Float64Array(nodes);
    this.nodeQueue = new Float64Array(nodes);
  }

  /** Node `node`'s workers busy and requests queued now, as the metrics count them. */
  nodeNow(node: number): { busy: number; queued: number } {
    return { busy: this.nodeBusy[node], queued: this.nodeQueue[node] };
  }

  busyChanged(node: number, delta: number, nowUs: number): void {
    this.nodeBusy[node] += delta;
    this.busy.add(delta, nowUs);
  }

  queueChanged(node: number, delta: number, nowUs: number): void {
    this.nodeQueue[node] += delta;
    this.queue.add(delta, nowUs);
  }

  /** A request reached the component; `queued` when it had to wait for a worker. */
  recordArrival(queued: boolean, nowUs: number): void {
    if (nowUs < this.measureFromUs) return;
    this.arrived++;
    if (queued) this.waited++;
  }

  /** A request left the component having been served; `arrivedUs` is when it reached it. */
  recordServed(arrivedUs: number, nowUs: number): void {
    if (arrivedUs < this.measureFromUs) return;
    this.served++;
    this.sojournSumUs += nowUs - arrivedUs;
    this.latency.record(nowUs - arrivedUs);
  }

  /** Keeps the largest value seen under `name`. */
  noteDetail(name: string, value: number): void {
    const old = this.details.get(name);
    if (old === undefined || value > old) this.details.set(name, value);
  }

  /** Keeps the largest value seen under `name`, over the run and in the window `nowUs` falls in. */
  noteWindowMax(name: string, value: number, nowUs: number): void {
    this.noteDetail(name, value);
    let timeline = this.detailTimelines.get(name);
    if (timeline === undefined) this.detailTimelines.set(name, (timeline = new Float64Array(this.windows).fill(NaN)));
    const i = Math.min(Math.floor(nowUs / this.windowUs), this.windows - 1);
    if (!(timeline[i] >= value)) timeline[i] = value;
  }

  /** Adds one to the count under `name`, after warm-up (e.g. requests shed by priority). */
  countDetail(name: string, nowUs: number): void {
    if (nowUs >= this.measureFromUs) this.details.set(name, (this.details.get(name) ?? 0) + 1);
  }

  recordDropped(nowUs: number): void {
    if (nowUs >= this.measureFromUs) this.dropped++;
  }

  recordRejected(nowUs: number): void {
    if (nowUs >= this.measureFromUs) this.rejected++;
  }

  /** The node's process is gone (crash): whatever it held no longer occupies it. */
  nodeLost(node: number, nowUs: number): void {
    if (this.nodeBusy[node] !== 0) this.busyChanged(node, -this.nodeBusy[node], nowUs);
    if (this.nodeQueue[node] !== 0) this.queueChanged(node, -this.nodeQueue[node], nowUs);
  }
}
