import cliProgress from 'cli-progress';
import { performance } from 'node:perf_hooks';
import type { Output } from './io.js';

/** Without a terminal, one plain line this often. */
const PLAIN_EVERY_MS = 5000;

/**
 * A campaign's progress on stderr: runs done of those to run, runs per
 * second and the time left; a bar on a terminal, a plain line every few
 * seconds otherwise (CI logs).
 */
export class CampaignProgress {
  private readonly startedMs = performance.now();
  private bar: cliProgress.SingleBar | null = null;
  private lastLineMs = this.startedMs;
  private done = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: Output,
    private readonly enabled: boolean,
  ) {
    if (!enabled || total === 0 || !stream.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} runs | {rate} runs/s | eta {eta_formatted}`,
        stream: stream as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { rate: '0.0' });
  }

  /** Runs per wall-clock second so far. */
  get rate(): number {
    const seconds = (performance.now() - this.startedMs) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  runFinished(): void {
    this.done++;
    if (!this.enabled) return;
    const rate = this.rate.toFixed(1);
    if (this.bar !== null) {
      this.bar.update(this.done, { rate });
      return;
    }
    const now = performance.now();
    if (now - this.lastLineMs < PLAIN_EVERY_MS && this.done < this.total) return;
    this.lastLineMs = now;
    const left = this.rate > 0 ? Math.round((this.total - this.done) / this.rate) : 0;
    this.stream.write(`${this.label}: ${this.done}/${this.total} runs, ${rate} runs/s, about ${left}s left\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
