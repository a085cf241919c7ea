import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledReport } from './support/bundled-report.js';
import { faultline } from './support/run-cli.js';

describe('autoscaler', () => {
  it('scales out within interval + start-up after a spike, stays within min and max, scales in after it, and start-up delay costs availability', async () => {
    const report = await bundledReport('autoscale-spike', ['duration=9m']);
    const slow = report.variants!.find((v) => v.name === 'startup-30s')!;
    const instant = report.variants!.find((v) => v.name === 'startup-instant')!;
    const scaling = (kind: string) => slow.faults.filter((f) => f.kind === kind);

    // Six of eight start stopped (min 2); none is a fault to shade.
    expect(scaling('scale-in').filter((f) => f.timeUs === 0)).toHaveLength(6);
    expect(slow.faultIntervals).toEqual([]);
    // The spike starts at 120 s; the next evaluation (130 s) launches, and instances serve 30 s later.
    const firstOut = scaling('scale-out')[0].timeUs / 1e6;
    expect(firstOut).toBeGreaterThan(120);
    expect(firstOut).toBeLessThanOrEqual(120 + 10 + 30);
    const scaler = slow.metrics.components.find((c) => c.name === 'scaler')!.details!;
    expect(scaler.maxRunning).toBeGreaterThan(2);
    expect(scaler.maxRunning).toBeLessThanOrEqual(8);
    // The spike ends at 420 s; scale-ins follow, at least a cooldown apart.
    const ins = scaling('scale-in')
      .filter((f) => f.timeUs > 0)
      .map((f) => f.timeUs);
    expect(ins.length).toBeGreaterThan(0);
    expect(ins[0] / 1e6).toBeGreaterThan(420);
    const distinct = [...new Set(ins)];
    for (let i = 1; i < distinct.length; i++) expect(distinct[i] - distinct[i - 1]).toBeGreaterThanOrEqual(60e6);
    expect(instant.metrics.availability.overall).toBeGreaterThan(slow.metrics.availability.overall!);
  }, 60_000);
});

describe('autoscaler target', () => {
  it('must be a queue server (one with workers): anything else is a validation error, not a failure at run time', async () => {
    const work = mkdtempSync(join(tmpdir(), 'faultline-autoscaler-'));
    try {
      const file = join(work, 'scaler.yaml');
      copyFileSync(join(import.meta.dirname, '..', 'scenarios', 'autoscale-spike.yaml'), file);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {4}target: api$/m, '    target: lb'));
      const result = await faultline(['validate', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /scaler\.yaml:\d+:\d+ components\.scaler\.target: "lb" is not a queue-server component \(it is a load-balancer\)/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
