export interface CircuitBreakerPolicy {
  /** Open when at least this share of the calls in the window failed... */
  failureRate: number;
  /** ...over calls finished in the last `windowUs`... */
  windowUs: number;
  /** ...and at least this many calls finished in it. */
  minimumCalls: number;
  /** Stay open (failing fast) this long before letting probes through. */
  openForUs: number;
  /** Calls let through half-open; all must succeed to close, one failure reopens. */
  probes: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker (closed → open → half-open → closed) over a time-sliding
 * window of call outcomes. The caller asks `allow` before each call and
 * reports its outcome with `record`; a refused call should fail fast.
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  /** Times it has opened, for reports. */
  opened = 0;
  private readonly times: number[] = [];
  private readonly failed: boolean[] = [];
  private head = 0;
  private failures = 0;
  private openedAtUs = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;

  constructor(readonly policy: CircuitBreakerPolicy) {}

  allow(nowUs: number): boolean {
    if (this.state === 'open') {
      if (nowUs < this.openedAtUs + this.policy.openForUs) return false;
      this.state = 'half-open';
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
    }
    if (this.state === 'half-open') {
      if (this.probesInFlight >= this.policy.probes) return false;
      this.probesInFlight++;
    }
    return true;
  }

  record(ok: boolean, nowUs: number): void {
    if (this.state === 'half-open') {
      this.probesInFlight = Math.max(0, this.probesInFlight - 1);
      if (!ok) this.open(nowUs);
      else if (++this.probeSuccesses >= this.policy.probes) this.close();
      return;
    }
    if (this.state === 'open') return; // a call let through before it opened
    this.times.push(nowUs);
    this.failed.push(!ok);
    if (!ok) this.failures++;
    this.evict(nowUs);
    const calls = this.times.length - this.head;
    if (calls >= this.policy.minimumCalls && this.failures / calls >= this.policy.failureRate) this.open(nowUs);
  }

  private evict(nowUs: number): void {
    const from = nowUs - this.policy.windowUs;
    while (this.head < this.times.length && this.times[this.head] <= from) {
      if (this.failed[this.head]) this.failures--;
      this.head++;
    }
    // Compact now and then so the arrays do not grow with the run.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.failed.splice(0, this.head);
      this.head = 0;
    }
  }

  private open(nowUs: number): void {
    this.state = 'open';
    this.opened++;
    this.openedAtUs = nowUs;
    this.clear();
  }

  private close(): void {
    this.state = 'closed';
    this.clear();
  }

  private clear(): void {
    this.times.length = 0;
    this.failed.length = 0;
    this.head = 0;
    this.failures = 0;
  }
}
