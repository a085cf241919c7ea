import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsonlTrace,
  MILLISECOND,
  RingTrace,
  Simulation,
  observers,
  scheduleFaults,
  type NodeId,
  type TraceEntry,
} from '../engine/index.js';

/** a sends to b on a timer (tag 3) `count` times; b echoes; one fault call in between. */
function echo(seed: number, count: number, firstDelayUs = MILLISECOND): Simulation {
  const sim = new Simulation({ seed });
  sim.addNode({
    name: 'a',
    process: (ctx) => {
      let sent = 0;
      return {
        onStart: () => ctx.setTimer(firstDelayUs, 3),
        onTimer: () => {
          ctx.send(ctx.lookup('b'), 'ping', 64);
          if (++sent < count) ctx.setTimer(MILLISECOND, 3);
        },
        onMessage: () => {},
      };
    },
  });
  sim.addNode({ name: 'b', process: (ctx) => ({ onMessage: (from: NodeId) => ctx.send(from, 'pong', 32) }) });
  scheduleFaults(sim, [{ atUs: 2 * MILLISECOND + 1, action: { kind: 'clock-jump', nodes: 'b', deltaUs: 5 } }]);
  return sim;
}

function jsonl(sim: Simulation): { lines: string[]; trace: JsonlTrace } {
  const lines: string[] = [];
  return { lines, trace: new JsonlTrace(sim, (line) => lines.push(line)) };
}

describe('RingTrace', () => {
  it('keeps exactly the last N events, oldest first, with consecutive indices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (capacity, count, seed) => {
          const sim = echo(seed, count);
          const ring = new RingTrace(sim, capacity);
          const { lines, trace } = jsonl(sim);
          sim.setObserver(observers(ring, trace));
          const result = sim.run();
          const all = lines.map((l) => JSON.parse(l) as TraceEntry);
          const kept = ring.entries();
          expect(all).toHaveLength(result.events);
          expect(kept).toHaveLength(Math.min(capacity, result.events));
          expect(kept).toEqual(all.slice(all.length - kept.length));
          kept.forEach((e, i) => expect(e.index).toBe(result.events - kept.length + i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a capacity below 1', () => {
    const sim = new Simulation({ seed: 1 });
    expect(() => new RingTrace(sim, 0)).toThrow(RangeError);
  });
});

describe('JsonlTrace', () => {
  it('writes one parseable JSON line per event, with kind, node, from, size and tag', () => {
    const sim = echo(1, 2);
    const { lines, trace } = jsonl(sim);
    sim.setObserver(trace);
    const result = sim.run();
    expect(lines).toHaveLength(result.events);
    for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    const entries = lines.map((l) => JSON.parse(l) as TraceEntry);
    expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
    expect(entries[0]).toEqual({ index: 0, timeUs: 0, kind: 'start', node: 'a' });
    expect(entries[1]).toEqual({ index: 1, timeUs: 0, kind: 'start', node: 'b' });
    expect(entries.find((e) => e.kind === 'timer')).toEqual({
      index: 2,
      timeUs: MILLISECOND,
      kind: 'timer',
      node: 'a',
      tag: 3,
    });
    const call = entries.find((e) => e.kind === 'call')!;
    expect(call).toEqual({ index: call.index, timeUs: 2 * MILLISECOND + 1, kind: 'call' });
    const delivers = entries.filter((e) => e.kind === 'deliver');
    expect(delivers).toHaveLength(4);
    expect(delivers.map((e) => [e.node, e.from, e.sizeBytes])).toEqual([
      ['b', 'a', 64],
      ['a', 'b', 32],
      ['b', 'a', 64],
      ['a', 'b', 32],
    ]);
  });
});

describe('traceHash', () => {
  it('is 16 hex digits and changes when one event moves by a microsecond', () => {
    const base = echo(1, 5).run();
    expect(base.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(echo(1, 5).run().traceHash).toBe(base.traceHash);
    expect(echo(1, 5, MILLISECOND + 1).run().traceHash).not.toBe(base.traceHash);
    expect(echo(1, 6).run().traceHash).not.toBe(base.traceHash);
  });

  it('of an empty run is still 16 hex digits', () => {
    expect(new Simulation({ seed: 1 }).run().traceHash).toMatch(/^[0-9a-f]{16}$/);
  });
});
