import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, Simulation, startFaultProcess, type NodeId } from '../engine/index.js';

interface Delivery {
  to: string;
  sentUs: number;
  atUs: number;
}

/** Nodes a, b, c on constant 1 ms one-way links; a floating address `vip` held by b. */
function setup(seed = 1) {
  const sim = new Simulation({ seed, network: { sameRegionRttUs: { type: 'constant', value: 2 * MILLISECOND } } });
  const log: Delivery[] = [];
  for (const name of ['a', 'b', 'c']) {
    sim.addNode({
      name,
      process: (ctx) => ({
        onMessage: (_from: NodeId, sentUs: number) => log.push({ to: ctx.name, sentUs, atUs: ctx.nowUs }),
      }),
    });
  }
  const vip = sim.addAddress('vip', sim.nodeId('b'));
  const a = sim.context(sim.nodeId('a'));
  const sendAt = (atUs: number) => sim.at(atUs, () => a.send(a.lookup('vip'), atUs));
  const claimAt = (atUs: number, name: string) => sim.at(atUs, () => sim.context(sim.nodeId(name)).claimAddress(vip));
  return { sim, log, vip, sendAt, claimAt };
}

describe('floating addresses (virtual IPs)', () => {
  it('deliver to whichever node holds the address when the message is sent', () => {
    const { sim, log, vip, sendAt, claimAt } = setup();
    sendAt(0);
    claimAt(5 * MILLISECOND, 'c');
    sendAt(10 * MILLISECOND);
    claimAt(20 * MILLISECOND, 'b');
    sendAt(30 * MILLISECOND);
    const result = sim.run();
    expect(log.map((d) => [d.to, d.sentUs])).toEqual([
      ['b', 0],
      ['c', 10 * MILLISECOND],
      ['b', 30 * MILLISECOND],
    ]);
    expect(sim.holderOf(vip)).toBe(sim.nodeId('b'));
    expect(sim.context(0).lookup('vip')).toBe(vip);
    // Each change of holder is in the run's log, naming the new holder, the address and the old holder.
    expect(result.faults).toEqual([
      { timeUs: 5 * MILLISECOND, kind: 'claim-address', nodes: ['c'], detail: 'vip (from b)' },
      { timeUs: 20 * MILLISECOND, kind: 'claim-address', nodes: ['b'], detail: 'vip (from c)' },
    ]);
  });

  it('a crashed holder loses what is sent to the address, and what was in flight to it, until another node claims it', () => {
    const { sim, log, sendAt, claimAt } = setup();
    sendAt(9_500); // in flight when b crashes; arrives at 10.5 ms
    sim.at(10 * MILLISECOND, () => sim.crash(sim.nodeId('b')));
    sendAt(11 * MILLISECOND);
    claimAt(12 * MILLISECOND, 'c');
    sendAt(13 * MILLISECOND);
    const result = sim.run();
    expect(log).toEqual([{ to: 'c', sentUs: 13 * MILLISECOND, atUs: 14 * MILLISECOND }]);
    expect(result.messages.droppedAtDownNode).toBe(2);
    expect(result.messages.delivered).toBe(1);
  });

  it('a message already in flight stays with the holder it was sent to', () => {
    const { sim, log, sendAt, claimAt } = setup();
    sendAt(0);
    claimAt(500, 'c');
    sim.run();
    expect(log).toEqual([{ to: 'b', sentUs: 0, atUs: MILLISECOND }]);
  });

  it('costs nothing until used: a run with an unused address has the same trace as one without', () => {
    const run = (withAddress: boolean) => {
      const sim = new Simulation({ seed: 5 });
      for (let i = 0; i < 4; i++) {
        sim.addNode({
          name: `n${i}`,
          process: (ctx) => ({
            onStart: () => ctx.setTimer(MILLISECOND),
            onTimer: () => {
              ctx.send(ctx.random('peer').int(4), 0);
              ctx.setTimer(1 + ctx.random('tick').int(MILLISECOND));
            },
            onMessage: () => {},
          }),
        });
      }
      if (withAddress) sim.addAddress('vip', 2);
      return sim.run({ untilUs: 200 * MILLISECOND }).traceHash;
    };
    expect(run(true)).toBe(run(false));
  });

  it('is deterministic: senders and claimants driven by random streams and crashes replay the same trace for a seed', () => {
    const build = (seed: number) => {
      const sim = new Simulation({ seed });
      const names = ['s1', 's2', 'h1', 'h2', 'h3'];
      let vip = -1;
      for (const name of names) {
        sim.addNode({
          name,
          process: (ctx) => ({
            onStart: () => ctx.setTimer(ctx.random('tick').int(MILLISECOND)),
            onTimer: () => {
              if (ctx.name.startsWith('s')) ctx.send(vip, ctx.nowUs);
              else if (ctx.random('claim').bernoulli(0.05)) ctx.claimAddress(vip);
              ctx.setTimer(100 + ctx.random('tick').int(MILLISECOND));
            },
            onMessage: () => {},
          }),
        });
      }
      vip = sim.addAddress('vip', sim.nodeId('h1'));
      startFaultProcess(sim, {
        kind: 'crash-restart',
        name: 'chaos',
        nodes: ['h1', 'h2', 'h3'],
        mtbfUs: 20 * MILLISECOND,
        mttrUs: 5 * MILLISECOND,
      });
      const result = sim.run({ untilUs: 300 * MILLISECOND });
      return {
        hash: result.traceHash,
        claims: result.faults.filter((f) => f.kind === 'claim-address').length,
        dropped: result.messages.droppedAtDownNode,
      };
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), (seed) => {
        const first = build(seed);
        expect(build(seed)).toEqual(first);
        expect(first.claims).toBeGreaterThan(0);
      }),
      { numRuns: 10 },
    );
  });

  it('rejects names already taken, unknown holders, unknown ids and non-addresses', () => {
    const { sim, vip } = setup();
    expect(() => sim.addAddress('a', 0)).toThrow(/already names/);
    expect(() => sim.addAddress('vip', 0)).toThrow(/already names/);
    expect(() => sim.addAddress('vip2', 7)).toThrow(/no node with id 7/);
    expect(() => sim.lookup('nowhere')).toThrow(/no node or address named "nowhere"/);
    expect(() => sim.context(0).send(vip + 1, 0)).toThrow(/unknown node id/);
    expect(() => sim.holderOf(1)).toThrow(/not a floating address/);
  });
});
