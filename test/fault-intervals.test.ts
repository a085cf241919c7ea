import { describe, expect, it } from 'vitest';
import { faultIntervals, shortFaultLabel } from '../reports/fault-intervals.js';

describe('fault intervals', () => {
  it('label a degradation by its effects, not by the generated id the engine logs', () => {
    const intervals = faultIntervals(
      [
        { timeUs: 1_000_000, kind: 'degrade', nodes: ['a'], detail: 'degrade#0: x1, +20000us' },
        { timeUs: 2_000_000, kind: 'degrade', nodes: ['b'], detail: 'wan: x5, loss 0.2' },
        { timeUs: 3_000_000, kind: 'restore-links', nodes: [], detail: 'degrade#0' },
      ],
      10_000_000,
    );
    expect(intervals.map((i) => [i.label, i.startUs, i.endUs])).toEqual([
      ['degrade +20.0ms', 1_000_000, 3_000_000],
      ['degrade wan latency ×5, loss 20.00%', 2_000_000, 10_000_000],
    ]);
  });

  it('shorten a partition between long node sets to the sizes of its sides', () => {
    const label = 'groups: {server-1,server-2,client-1} | {server-3,server-4,client-4,client-5}';
    expect(shortFaultLabel({ kind: 'partition', label, startUs: 0, endUs: 1 })).toBe('partition 3 | 4 nodes');
  });
});
