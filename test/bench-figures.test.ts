import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkFigures,
  dropOf,
  measureDropsAgain,
  machineFingerprint,
  readFiguresFile,
  recordFigures,
  writeFiguresFile,
  type Figure,
  type FiguresFile,
} from '../bench/figures.js';
import { BareMm1, SimPyStyleMm1 } from '../bench/mm1-loops.js';

/** The regression guard's logic on synthetic figures: no timing is measured here. */
const HERE = { cpu: 'Test CPU @ 3.00GHz', cores: 2 };
const ELSEWHERE = { cpu: 'Other CPU', cores: 8 };
const rate = (name: string, value: number): Figure => ({ name, value, unit: 'events/s', better: 'higher' });
const time = (name: string, value: number): Figure => ({ name, value, unit: 'ms', better: 'lower' });

const recorded: FiguresFile = {
  machines: [
    { fingerprint: ELSEWHERE, node: 'v20.0.0', recorded: '2026-01-01T00:00:00.000Z', figures: [rate('mm1', 10)] },
    {
      fingerprint: HERE,
      node: 'v20.0.0',
      recorded: '2026-02-03T00:00:00.000Z',
      figures: [rate('mm1', 1_000_000), time('start-up', 100)],
    },
  ],
};

describe('npm run bench -- --check', () => {
  it('passes when no figure dropped more than 25%, counting slower times as drops', () => {
    const result = checkFigures(recorded, HERE, [rate('mm1', 760_000), time('start-up', 130)]);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe('Compared with the figures recorded on 2026-02-03 (Test CPU @ 3.00GHz, 2 cores):');
    expect(result.lines.at(-1)).toBe('No figure dropped more than 25%.');
  });

  it('exits 1 on a drop of more than 25% and names each figure that dropped', () => {
    const result = checkFigures(recorded, HERE, [rate('mm1', 740_000), time('start-up', 140)]);
    expect(result.code).toBe(1);
    expect(result.lines).toContain('  DROPPED  mm1: 1,000,000 events/s -> 740,000 events/s (26% worse)');
    expect(result.lines).toContain('  DROPPED  start-up: 100 ms -> 140 ms (29% worse)');
    expect(result.lines.at(-1)).toBe('2 figures dropped more than 25%: mm1; start-up');
  });

  it('an improvement never fails; new and missing figures are listed but do not fail', () => {
    const result = checkFigures(recorded, HERE, [rate('mm1', 3_000_000), rate('new one', 5)]);
    expect(result.code).toBe(0);
    expect(result.lines).toContain('  ok       mm1: 1,000,000 events/s -> 3,000,000 events/s (200% better)');
    expect(result.lines).toContain('  new      new one: 5.00 events/s (not recorded)');
    expect(result.lines).toContain('  missing  start-up: recorded but not measured');
  });

  it('with no figures for this machine (another CPU model or core count, or no file), says so and exits 0', () => {
    for (const [file, fingerprint] of [
      [recorded, { cpu: HERE.cpu, cores: 4 }],
      [recorded, { cpu: 'Unknown CPU', cores: 2 }],
      [undefined, HERE],
    ] as const) {
      const result = checkFigures(file, fingerprint, [rate('mm1', 1)]);
      expect(result.code).toBe(0);
      expect(result.lines[0]).toMatch(/^No recorded figures for this machine \(.+\): nothing to compare\.$/);
    }
  });

  it('the fingerprint is the first CPU model and the number of cores', () => {
    expect(machineFingerprint([{ model: ' Some CPU  ' }, { model: 'Some CPU' }])).toEqual({
      cpu: 'Some CPU',
      cores: 2,
    });
  });

  it('a drop is measured on performance: a halved rate and a doubled time are both 50%', () => {
    expect(dropOf(rate('a', 100), rate('a', 50))).toBeCloseTo(0.5);
    expect(dropOf(time('a', 100), time('a', 200))).toBeCloseTo(0.5);
    expect(dropOf(time('a', 100), time('a', 50))).toBeCloseTo(-1);
  });
});

describe('npm run bench -- --check measures a dropped figure again before failing', () => {
  const never = async (): Promise<number> => {
    throw new Error('a figure that did not drop was measured again');
  };

  it('keeps the better of the two measurements, so a passing second one passes the check', async () => {
    const again = new Map([
      ['mm1', async () => 990_000],
      ['start-up', never],
    ]);
    const second = await measureDropsAgain(recorded, HERE, [rate('mm1', 500_000), time('start-up', 110)], again);
    expect(second.figures).toEqual([rate('mm1', 990_000), time('start-up', 110)]);
    expect(second.lines).toEqual([
      '  measured again: mm1: 500,000 events/s, then 990,000 events/s; kept 990,000 events/s',
    ]);
    expect(checkFigures(recorded, HERE, second.figures).code).toBe(0);
  });

  it('a figure that drops twice still fails, with the better of its two values', async () => {
    const again = new Map([['start-up', async () => 180]]);
    const second = await measureDropsAgain(recorded, HERE, [rate('mm1', 900_000), time('start-up', 200)], again);
    expect(second.figures).toEqual([rate('mm1', 900_000), time('start-up', 180)]);
    const result = checkFigures(recorded, HERE, second.figures);
    expect(result.code).toBe(1);
    expect(result.lines.at(-1)).toBe('1 figure dropped more than 25%: start-up');
  });

  it('figures it cannot measure again, and machines with nothing recorded, are left as they are', async () => {
    const current = [rate('mm1', 1)];
    expect((await measureDropsAgain(recorded, HERE, current, new Map())).figures).toEqual(current);
    expect((await measureDropsAgain(undefined, HERE, current, new Map([['mm1', never]]))).figures).toEqual(current);
  });
});

describe('npm run bench -- --record', () => {
  it("replaces this machine's figures, keeps other machines', and is read back as written", () => {
    const now = [rate('mm1', 2_000_000)];
    const file = recordFigures(recorded, HERE, now, 'v20.19.0', new Date('2026-03-04T05:06:07Z'));
    expect(file.machines).toEqual([
      recorded.machines[0],
      { fingerprint: HERE, node: 'v20.19.0', recorded: '2026-03-04T05:06:07.000Z', figures: now },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-figures-'));
    try {
      const path = join(dir, 'figures.json');
      expect(readFiguresFile(path)).toBeUndefined();
      writeFiguresFile(path, file);
      expect(readFiguresFile(path)).toEqual(file);
      expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
      expect(checkFigures(readFiguresFile(path), HERE, now).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the M/M/1 loops the bench compares faultline with', () => {
  it('the bare and the SimPy-style loop draw the same numbers and agree, near 1/(μ − λ) = 5 ms', () => {
    const p = { arrivalsPerSec: 800, servicesPerSec: 1000 };
    const bare = new BareMm1(p);
    const simpyStyle = new SimPyStyleMm1(p);
    bare.run(200_000);
    simpyStyle.run(200_000);
    expect(bare.completed).toBe(200_000);
    expect(simpyStyle.completed).toBe(200_000);
    expect(simpyStyle.meanSojournSec).toBe(bare.meanSojournSec);
    expect(bare.meanSojournSec * 1000).toBeGreaterThan(4.5);
    expect(bare.meanSojournSec * 1000).toBeLessThan(5.5);
  });
});
