import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsonlTrace,
  type TraceFilter,
  type TraceLine,
  type TraceOptions,
  MILLISECOND,
  RingTrace,
  Simulation,
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

/** The fields a RingTrace keeps, from a JSONL event line. */
function eventPart(line: TraceLine): TraceEntry {
  const { index, timeUs, kind, node, from, sizeBytes, tag } = line;
  const entry: TraceEntry = { index, timeUs, kind: kind as TraceEntry['kind'] };
  if (node !== undefined) entry.node = node;
  if (from !== undefined) entry.from = from;
  if (sizeBytes !== undefined) entry.sizeBytes = sizeBytes;
  if (tag !== undefined) entry.tag = tag;
  return entry;
}

const EVENT_KINDS = new Set(['start', 'deliver', 'timer', 'call']);

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
          sim.addObserver(ring);
          trace.attach();
          const result = sim.run();
          const all = lines
            .map((l) => JSON.parse(l) as TraceLine)
            .filter((l) => EVENT_KINDS.has(l.kind))
            .map(eventPart);
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

/**
 * a sends b a `msg` message every millisecond from 1 ms to 12 ms; b answers
 * each with an `ack` and keeps a 2 ms timer running. b is cut off from 3 to
 * 5 ms, down from 6 to 8 ms (its timer set before the crash is then stale),
 * and paused from 9 to 10 ms.
 */
function faulty(seed: number): Simulation {
  const sim = new Simulation({ seed, network: { sameRegionRttUs: { type: 'constant', value: 600 } } });
  sim.addNode({
    name: 'a',
    process: (ctx) => ({
      onStart: () => ctx.setTimer(MILLISECOND, 1),
      onTimer: () => {
        ctx.send(ctx.lookup('b'), { kind: 'msg' }, 100);
        if (ctx.nowUs < 12 * MILLISECOND) ctx.setTimer(MILLISECOND, 1);
      },
      onMessage: () => {},
    }),
  });
  sim.addNode({
    name: 'b',
    process: (ctx) => ({
      onStart: () => ctx.setTimer(2 * MILLISECOND, 7, { kind: 'tick' }),
      onTimer: () => ctx.setTimer(2 * MILLISECOND, 7, { kind: 'tick' }),
      onMessage: (from: NodeId) => ctx.send(from, { kind: 'ack' }, 20),
    }),
  });
  scheduleFaults(sim, [
    {
      atUs: 3 * MILLISECOND,
      action: { kind: 'partition', shape: { type: 'isolate', node: 'b' }, forUs: 2 * MILLISECOND },
    },
    { atUs: 6 * MILLISECOND, action: { kind: 'crash', nodes: 'b', forUs: 2 * MILLISECOND } },
    { atUs: 9 * MILLISECOND, action: { kind: 'pause', nodes: 'b', forUs: MILLISECOND } },
  ]);
  return sim;
}

/** b's timer never stops: every run of `faulty` ends here. */
const END_US = 14 * MILLISECOND;

function traced(sim: Simulation, options?: TraceOptions): TraceLine[] {
  const lines: string[] = [];
  new JsonlTrace(sim, (line) => lines.push(line), options).attach();
  sim.run({ untilUs: END_US });
  for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
  return lines.map((l) => JSON.parse(l) as TraceLine);
}

describe('JsonlTrace', () => {
  it('writes every event with its hash, then the sends and faults it caused, under its index', () => {
    const sim = faulty(1);
    const lines = traced(sim);
    const events = lines.filter((l) => EVENT_KINDS.has(l.kind));
    expect(events.map((l) => l.index)).toEqual(events.map((_, i) => i));
    expect(events).toHaveLength(sim.events);
    for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{8}$/);
    // A send or fault line follows the line of the event it happened in.
    let current = -1;
    for (const l of lines) {
      if (EVENT_KINDS.has(l.kind)) current = l.index;
      else expect(l.index).toBe(current);
    }
    expect(lines[0]).toEqual({ index: 0, timeUs: 0, kind: 'start', node: 'a', hash: lines[0].hash });
    const firstSend = lines.find((l) => l.kind === 'send')!;
    expect(firstSend).toEqual({
      index: firstSend.index,
      timeUs: MILLISECOND,
      kind: 'send',
      node: 'a',
      to: 'b',
      type: 'msg',
      sizeBytes: 100,
      arrivalUs: MILLISECOND + 300,
    });
    // Every delivered send arrives as a deliver line from its sender at its arrival time.
    const sends = lines.filter((l) => l.kind === 'send' && l.arrivalUs !== undefined);
    const delivers = lines.filter((l) => l.kind === 'deliver');
    expect(delivers.map((d) => [d.timeUs, d.from, d.node, d.type])).toEqual(
      sends.map((s) => [s.arrivalUs, s.node, s.to, s.type]).sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    expect(delivers.find((d) => d.type === 'msg')).toMatchObject({ sizeBytes: 100 });
  });

  it('says why a message never reached its handler, and which timers and events wait or do nothing', () => {
    const lines = traced(faulty(1));
    const faults = lines.filter((l) => l.kind === 'fault');
    expect(faults.map((f) => [f.timeUs, f.fault, f.nodes])).toEqual([
      [3 * MILLISECOND, 'partition', ['b', 'a']],
      [5 * MILLISECOND, 'heal', []],
      [6 * MILLISECOND, 'crash', ['b']],
      [8 * MILLISECOND, 'restart', ['b']],
      [9 * MILLISECOND, 'pause', ['b']],
      [10 * MILLISECOND, 'resume', ['b']],
    ]);
    const cut = lines.filter((l) => l.kind === 'send' && l.dropped === 'partition');
    expect(cut.map((l) => l.timeUs)).toEqual([3 * MILLISECOND, 4 * MILLISECOND]);
    const atDown = lines.filter((l) => l.kind === 'deliver' && l.dropped === 'node-down');
    expect(atDown.map((l) => [l.timeUs, l.node])).toEqual([
      [6 * MILLISECOND + 300, 'b'],
      [7 * MILLISECOND + 300, 'b'],
    ]);
    const held = lines.filter((l) => l.held);
    // The timer b set at its restart falls due at 10 ms just before the resume (scheduled at the pause, later): it waits too.
    expect(held.map((l) => [l.kind, l.timeUs])).toEqual([
      ['deliver', 9 * MILLISECOND + 300],
      ['timer', 10 * MILLISECOND],
    ]);
    // b's timer due at 6 ms comes after the crash at that instant (scheduled first): nothing runs.
    const stale = lines.filter((l) => l.ignored);
    expect(stale.map((l) => [l.kind, l.timeUs, l.type, l.tag])).toEqual([['timer', 6 * MILLISECOND, 'tick', 7]]);
  });

  it('keeps exactly the lines its filter selects', () => {
    const all = traced(faulty(3));
    const nodes = fc.option(fc.subarray(['a', 'b'], { minLength: 1 }), { nil: undefined });
    const kinds = fc.option(
      fc.subarray(['start', 'deliver', 'timer', 'call', 'send', 'fault', 'message'] as const, { minLength: 1 }),
      { nil: undefined },
    );
    const types = fc.option(fc.subarray(['msg', 'ack', 'tick'], { minLength: 1 }), { nil: undefined });
    const time = fc.option(fc.integer({ min: 0, max: 13 * MILLISECOND }), { nil: undefined });
    fc.assert(
      fc.property(nodes, kinds, types, time, time, (n, k, t, fromUs, toUs) => {
        const filter: TraceFilter = { nodes: n, kinds: k, types: t, fromUs, toUs };
        const wanted = new Set(k?.flatMap((x) => (x === 'message' ? ['send', 'deliver'] : [x])));
        const expected = all.filter(
          (l) =>
            (k === undefined || wanted.has(l.kind)) &&
            (t === undefined || (l.type !== undefined && t.includes(l.type))) &&
            (n === undefined ||
              [l.node, l.from, l.to, ...(l.nodes ?? [])].some((x) => x !== undefined && n.includes(x))) &&
            (fromUs === undefined || l.timeUs >= fromUs) &&
            (toUs === undefined || l.timeUs < toUs),
        );
        expect(traced(faulty(3), { filter })).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('stops at its line limit with one line saying so', () => {
    const all = traced(faulty(1));
    const capped = traced(faulty(1), { maxLines: 10 });
    expect(capped.slice(0, 10)).toEqual(all.slice(0, 10));
    expect(capped).toHaveLength(11);
    expect(capped[10]).toMatchObject({ kind: 'truncated', index: all[10].index, timeUs: all[10].timeUs });
    expect(capped[10].note).toMatch(/limit of 10 lines/);
    expect(() => new JsonlTrace(faulty(1), () => {}, { maxLines: 0 })).toThrow(RangeError);
  });

  it('costs the run nothing: the trace hash is the same with and without it', () => {
    const sim = faulty(5);
    traced(sim);
    expect(sim.result().traceHash).toBe(faulty(5).run({ untilUs: END_US }).traceHash);
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
