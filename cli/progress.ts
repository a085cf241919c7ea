import cliProgress from 'cli-progress';
import { performance } from 'node:perf_hooks';
import type { Output } from './io.js';

/** Runs shorter than this show no progress at all. (cli-progress reserves the tokens value, total, duration and eta, hence `planned`.) */
const QUIET_FOR_MS = 1000;
/** Without a terminal, one plain line this often. */
const PLAIN_EVERY_MS = 5000;

/**
 * Progress on stderr for runs over about a second: a bar on a terminal, plain
 * periodic lines otherwise (CI logs), nothing for short runs.
 */
export class Progress {
  private readonly startedMs = performance.now();
  private bar: cliProgress.SingleBar | null = null;
  private lastLineMs = 0;

  constructor(
    private readonly label: string,
    private readonly stream: Output,
    private readonly enabled: boolean,
  ) {}

  update(simulatedUs: number, durationUs: number, events: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.startedMs < QUIET_FOR_MS) return;
    const percent = Math.min(100, Math.floor((simulatedUs / durationUs) * 100));
    const payload = {
      simulated: (simulatedUs / 1e6).toFixed(1),
      planned: (durationUs / 1e6).toFixed(1),
      events: events.toLocaleString('en-US'),
    };
    if (this.stream.isTTY) {
      if (this.bar === null) {
        this.bar = new cliProgress.SingleBar(
          {
            format: `${this.label} [{bar}] {percentage}% | {simulated}s of {planned}s simulated | {events} events | eta {eta_formatted}`,
            stream: this.stream as NodeJS.WritableStream,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(100, percent, payload);
      } else {
        this.bar.update(percent, payload);
      }
    } else if (now - this.lastLineMs >= PLAIN_EVERY_MS) {
      this.lastLineMs = now;
      this.stream.write(
        `${this.label}: ${payload.simulated}s of ${payload.planned}s simulated (${percent}%), ${payload.events} events\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
